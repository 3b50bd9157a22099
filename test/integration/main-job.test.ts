import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadProfile } from '../../src/content/profile.js';
import { installPack } from '../../src/deploy/deploy.js';
import { DEMO, runMainJob, type MainJobResult } from '../../src/hunt/main-job.js';
import type { Progress } from '../../src/ingest/progress.js';
import { CHECK_IDS } from '../../src/rules/schema.js';
import { adminConnection, ROOT } from '../harness/cluster.js';

/**
 * `npm start`'s main job on the bundled demo, against the test cluster: the demo's five logs
 * load without a pipeline error, the hunt runs over exactly their time span, every check the
 * story in demo/README.md plants is found, and only on the attacker's PC and addresses (the
 * background trips nothing), and the reports are written.
 */

const NAMESPACE = 'demotest';
const VICTIM = '10.40.10.23';
const VICTIM_PC = 'PC-1023';
const ATTACKER = ['192.0.2.45', '198.51.100.140'];
const REPORTS = path.join(ROOT, 'build', 'test-artifacts', 'main-job');
const quiet: Progress = { startInput() {}, record() {}, doc() {}, note() {}, stop() {} };

const conn = await adminConnection();
let result: MainJobResult;
const log: string[] = [];

beforeAll(async () => {
  await installPack(conn, ROOT, loadProfile(DEMO.profile));
  await conn.request('DELETE', `/_data_stream/logs-jpcert.*-${NAMESPACE}`);
  rmSync(REPORTS, { recursive: true, force: true });
  result = await runMainJob(conn, { logs: DEMO.logs, profile: DEMO.profile, ioc: DEMO.ioc, namespace: NAMESPACE, reportsDir: REPORTS, progress: quiet, log: (l) => log.push(l) });
}, 600_000);

afterAll(async () => {
  await conn.request('DELETE', `/_data_stream/logs-jpcert.*-${NAMESPACE}`);
  await conn.close();
});

describe('the main job on the demo set', () => {
  it('loads each of the five files through its own source, every record, without a pipeline error', async () => {
    const rows = result.ingest.inputs.map((i) => [path.relative(DEMO.logs, i.path), i.source, i.read, i.created, i.rejected, i.pipelineErrors]);
    const lines = (f: string) => readFileSync(path.join(DEMO.logs, f), 'utf8').split('\n').filter((l) => l.trim()).length;
    const events = (readFileSync(path.join(DEMO.logs, 'dc1/security.xml'), 'utf8').match(/<Event /g) ?? []).length;
    expect(rows).toEqual([
      ['dc1/security.xml', 'windows', events, events, 0, 0],
      ['dns/queries.log', 'bind', lines('dns/queries.log'), lines('dns/queries.log'), 0, 0],
      ['firewall/ssg-yokohama.log', 'netscreen', lines('firewall/ssg-yokohama.log'), lines('firewall/ssg-yokohama.log'), 0, 0],
      ['mail/maillog.log', 'postfix', lines('mail/maillog.log'), lines('mail/maillog.log'), 0, 0],
      ['proxy/access_combined.log', 'squid', lines('proxy/access_combined.log'), lines('proxy/access_combined.log'), 0, 0],
    ]);
    const errors = await conn.request('POST', `/logs-jpcert.*-${NAMESPACE}/_count`, { query: { exists: { field: 'error.message' } } });
    expect((errors.body as { count: number }).count).toBe(0);
  });

  it('hunts over the loaded span: Mon 5 Oct 02:00 JST (the first backup logon) to Fri 9 Oct 19:50 JST (the end of the SFTP upload)', () => {
    expect(result.span).toEqual({ from: '2026-10-04T17:00:34.000Z', to: '2026-10-09T10:50:14.001Z' });
    expect(result.hunt!.from).toBe(result.span!.from);
    expect(result.hunt!.to).toBe(result.span!.to);
  });

  it('finds every check the story plants, and no check fails', () => {
    const found = result.hunt!.checks.filter((c) => c.hits > 0).map((c) => c.check).sort();
    expect(result.hunt!.checks.filter((c) => c.error !== undefined).map((c) => [c.check, c.error])).toEqual([]);
    expect(found).toEqual([...CHECK_IDS].sort());
  });

  it('finds them only on the attacker\'s PC and addresses: the background trips nothing', () => {
    const offenders: string[] = [];
    for (const c of result.hunt!.checks) {
      for (const d of c.detections) {
        const ip = d.entity?.['source.ip'];
        if (ip !== undefined && ip !== VICTIM) offenders.push(`${c.check} detection on ${ip}`);
      }
      for (const s of c.samples) {
        const ips = [s.fields['source.ip'], s.fields['destination.ip']].flat().filter((x): x is string => typeof x === 'string');
        const users = [s.fields['user.name']].flat().filter((x): x is string => typeof x === 'string');
        // NTLM validations (4776) name only the workstation
        const workstation = s.fields['source.domain'];
        const involved = ips.some((ip) => ip === VICTIM || ATTACKER.includes(ip)) || users.includes('ito.mayumi') || workstation === VICTIM_PC || s['event.original']?.includes('mailer-cargo.example.net');
        if (!involved) offenders.push(`${c.check} sample ${s['@timestamp']} ${s['event.original']?.slice(0, 120)}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('writes the HTML and Markdown reports', () => {
    expect(existsSync(result.reports!.html)).toBe(true);
    const html = readFileSync(result.reports!.html, 'utf8');
    expect(html).toContain('<svg id="timeline"');
    expect(html).toContain('B／L修正依頼_1006.scr');
    const md = readFileSync(result.reports!.markdown, 'utf8');
    expect(md).toContain('## MAIL-2: ');
    expect(result.exitCode).toBe(1);
  });
});
