import { connect } from './src/cluster/connection.js';
import { fixtureLines } from './src/bench/pipelines.js';
const conn = await connect({ url: 'http://127.0.0.1:9300', engine: 'auto' });
const source = process.argv[2] ?? 'postfix';
const base = fixtureLines('/work/main', source);
const lines = Array.from({ length: 10000 }, (_, i) => base[i % base.length]!);
const stats = async () => ((await conn.request('GET', '/_nodes/stats/ingest')).body as any).nodes;
const before = await stats();
for (let i = 0; i < lines.length; i += 1000) await conn.request('POST', `/logs-jpcert.${source}-exp/_bulk`, lines.slice(i, i + 1000).map((m) => `{"create":{}}\n${JSON.stringify({ message: m })}\n`).join(''));
const after = await stats();
await conn.request('DELETE', `/_data_stream/logs-jpcert.${source}-exp`);
const node = Object.keys(after)[0]!;
for (const [name, p] of Object.entries(after[node].ingest.pipelines) as any) {
  if (!name.startsWith('jpcert')) continue;
  const b = before[node].ingest.pipelines[name];
  const dc = p.count - (b?.count ?? 0);
  if (!dc) continue;
  console.log(name, dc);
  (p.processors as any[]).forEach((proc, i) => {
    const [k, v] = Object.entries(proc)[0] as any;
    const bv = b ? (Object.values(b.processors[i])[0] as any).stats : { count: 0, time_in_millis: 0 };
    const n = v.stats.count - bv.count;
    const ms = v.stats.time_in_millis - bv.time_in_millis;
    if (n && ms > 0) console.log('   ', k.padEnd(50), n, (ms / n / (name === 'jpcert-' + source ? 1 : 1)).toFixed(1), 'ms/doc(raw)');
  });
}
await conn.close();
