import type { Connection } from '../../src/cluster/connection.js';
import { loadProfile } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { compileRules } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/load.js';
import { adminConnection, ROOT } from '../harness/cluster.js';
import path from 'node:path';

/**
 * Every rule, compiled with the example profile (all settings filled), is accepted by the
 * real engine as a search, in each target's form: the saved search's query, the watch's
 * search input, and the monitor's search input (with the run time in place of
 * {{period_end}}). A grouped monitor's trigger condition is run too, as a bucket_selector
 * over the monitor's own aggregation, so its Painless compiles and its bucket paths resolve.
 */

const conn: Connection = await adminConnection();
const compiled = compileRules(loadRules(ROOT), loadProfile(path.join(ROOT, 'profiles', 'example.yml')));

beforeAll(async () => {
  await installPack(conn, ROOT, loadProfile());
  // one document per source, so that every field the rules name has a mapping
  for (const source of ['squid', 'netscreen', 'bind', 'windows', 'postfix']) {
    await conn.request('POST', `/logs-jpcert.${source}-rules/_doc?refresh=true`, { '@timestamp': new Date().toISOString(), message: 'x' });
  }
});
afterAll(async () => {
  for (const source of ['squid', 'netscreen', 'bind', 'windows', 'postfix']) await conn.request('DELETE', `/_data_stream/logs-jpcert.${source}-rules`);
  await conn.close();
});

function withRunTime(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replaceAll('{{period_end}}', String(Date.now())));
}

async function search(indices: string[], body: unknown): Promise<Record<string, any>> {
  const res = await conn.request('POST', `/${indices.join(',')}/_search?allow_no_indices=true`, body);
  expect(res.status).toBe(200);
  return res.body as Record<string, any>;
}

test('there are rules', () => {
  expect(compiled.rules.length).toBeGreaterThan(0);
});

describe.each(compiled.rules.map((r) => [r.resolved.rule.check, r] as const))('%s', (_check, r) => {
  test('saved search query', async () => {
    await search(r.resolved.indices, { size: 1, query: r.resolved.query });
  });

  test('watch search input', async () => {
    const request = r.watch.body.input!.search!.request;
    await search(request.indices as string[], request.body);
  });

  test('monitor search input and trigger condition', async () => {
    const input = r.monitor.inputs[0]!.search;
    const body = withRunTime(input.query) as Record<string, any>;
    const result = await search(input.indices, body);
    const trigger = r.monitor.triggers[0] as Record<string, any>;
    if (trigger.bucket_level_trigger) {
      const cond = trigger.bucket_level_trigger.condition;
      body.aggregations[cond.parent_bucket_path].aggs.trigger_check = { bucket_selector: { buckets_path: cond.buckets_path, script: cond.script } };
      await search(input.indices, body);
    } else {
      expect(typeof result.hits.total.value).toBe('number');
    }
  });
});
