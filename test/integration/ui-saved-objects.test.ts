import { adminEnv, runCli, testCluster } from '../harness/cluster.js';

/**
 * deploy --kibana / --dashboards against a real Kibana or OpenSearch Dashboards. Neither can
 * be had on a machine without Docker (no binary on Maven Central or npm), so this runs only
 * when one is given: TEST_KIBANA_URL (e.g. http://127.0.0.1:5650 from `docker compose
 * --profile elastic up -d`) and/or TEST_DASHBOARDS_URL (http://127.0.0.1:5601 from `docker
 * compose up -d opensearch opensearch-dashboards`). The UI must accept the test cluster's
 * credentials, or have security off as in docker-compose.yml.
 */

const TARGETS = [
  { flavor: 'kibana', product: 'Kibana', env: 'TEST_KIBANA_URL', other: 'dashboards' },
  { flavor: 'dashboards', product: 'OpenSearch Dashboards', env: 'TEST_DASHBOARDS_URL', other: 'kibana' },
] as const;

for (const t of TARGETS) {
  const url = process.env[t.env];
  const block = url ? describe : describe.skip;
  // jest lists a skipped suite without its name: say why here, where the run's log shows it
  if (!url) process.stderr.write(`[ui-saved-objects] deploy --${t.flavor} skipped: set ${t.env} to a running ${t.product}\n`);
  block(`deploy --${t.flavor} ${url ?? `(skipped: set ${t.env} to a running ${t.product})`}`, () => {
    const args = () => {
      const c = testCluster();
      return ['--cluster', c.url, ...(c.insecure ? ['--insecure'] : []), `--${t.flavor}`, url!];
    };
    const summary = new RegExp(`^${t.product} saved objects: (\\d+) change\\(s\\)$`, 'm');

    test('a dry run changes nothing; a deploy installs; a second deploy reports 0 changes', async () => {
      const dry = await runCli('deploy.ts', [...args(), '--dry-run'], adminEnv());
      expect(dry.stderr).not.toMatch(/^error:/m);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(new RegExp(`^dry run, nothing changed: ${t.product} saved objects: \\d+ change\\(s\\)$`, 'm'));

      const first = await runCli('deploy.ts', args(), adminEnv());
      expect(first.stderr).not.toMatch(/^error:/m);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(summary);

      const second = await runCli('deploy.ts', args(), adminEnv());
      expect(second.code).toBe(0);
      expect(summary.exec(second.stdout)?.[1]).toBe('0');
      const lines = second.stdout.split('\n').filter((l) => /^ {2}\S+ +(index pattern|saved search) /.test(l));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).toMatch(/^ {2}unchanged /);
    });

    test(`--${t.other} pointed at ${t.product} is refused with exit 6`, async () => {
      const c = testCluster();
      const r = await runCli('deploy.ts', ['--cluster', c.url, ...(c.insecure ? ['--insecure'] : []), `--${t.other}`, url!, '--dry-run'], adminEnv());
      expect(r.code).toBe(6);
      expect(r.stderr).toContain(`is ${t.product}`);
    });
  });
}
