import { runCli, testCluster } from '../harness/cluster.js';

/** The `cluster` CLI, against the engine the harness started with it. */

const local = process.env.TEST_CLUSTER_SOURCE === 'local';
const cluster = testCluster();
const port = new URL(cluster.url).port;

(local ? describe : describe.skip)('npm run cluster', () => {
  test('status says what runs where', async () => {
    const r = await runCli('cluster.ts', ['status', '--name', 'test']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^opensearch 2\\.19\\.4 "test" at https://127\\.0\\.0\\.1:${port}, health: (green|yellow) \\(${cluster.nodes} node\\(s\\)\\)`));
    expect(r.stdout.match(/ running {2}http 127\.0\.0\.1:\d+/g)).toHaveLength(cluster.nodes);
  });

  test('a second up finds the running cluster and starts nothing', async () => {
    const r = await runCli('cluster.ts', ['up', '--secure', '--name', 'test', '--port', port, '--nodes', String(cluster.nodes)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^already running: opensearch 2\.19\.4 at https:\/\/127\.0\.0\.1:/);
  });

  test('a port in use is refused with a hint', async () => {
    const r = await runCli('cluster.ts', ['up', '--name', 'other', '--port', port]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    expect(r.stderr).toMatch(/--port/);
  });

  test('status and down of a cluster that is not running say so', async () => {
    expect((await runCli('cluster.ts', ['status', '--name', 'absent'])).stdout).toMatch(/no local opensearch cluster "absent" is running/);
    expect((await runCli('cluster.ts', ['down', '--name', 'absent'])).stdout).toMatch(/nothing was running/);
  });

  test('bad flags and the Elasticsearch engine are refused with the reason', async () => {
    const nodes = await runCli('cluster.ts', ['up', '--nodes', '0', '--name', 'other']);
    expect(nodes.code).toBe(2);
    expect(nodes.stderr).toMatch(/--nodes must be 1 to 5/);
    const es = await runCli('cluster.ts', ['up', '--engine', 'elasticsearch', '--name', 'other']);
    expect(es.code).toBe(9);
    expect(es.stderr).toMatch(/Elasticsearch .* cannot be assembled without Docker/);
  });
});
