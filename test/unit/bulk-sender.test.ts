import type { Connection, Response } from '../../src/cluster/connection.js';
import { UnreachableError } from '../../src/errors.js';
import { BulkSender, type ItemOutcome } from '../../src/ingest/bulk.js';

/** A stand-in for the cluster's _bulk answers (pure logic of the sender; the real engine is in test/integration/ingest.test.ts). */
function fakeConnection(answers: Array<(ids: string[]) => Response | Error>): Connection & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    info: { engine: 'opensearch', version: '2.19.4', major: 2, clusterName: 'fake' },
    url: 'http://fake',
    request: async () => ({ status: 200, body: {} }),
    close: async () => {},
    async bulk(ndjson: string) {
      const ids = ndjson.trimEnd().split('\n').filter((_, i) => i % 2 === 0).map((l) => (JSON.parse(l) as { create: { _id: string } }).create._id);
      calls.push(ids);
      const a = answers.shift()?.(ids) ?? { status: 200, body: { items: ids.map(() => ({ create: { status: 201 } })) } };
      if (a instanceof Error) throw a;
      return a;
    },
  };
}

const item = (id: string) => ({ index: 'logs-jpcert.squid-default', id, doc: { message: id.repeat(10) }, ref: id });

async function run(conn: Connection, ids: string[], maxBytes = 1e6) {
  const outcomes: ItemOutcome[] = [];
  const retries: string[] = [];
  const s = new BulkSender(conn, { maxBytes, backoffMs: 1, retryForMs: 1000, onOutcome: (o) => outcomes.push(o), onRetry: (why) => retries.push(why) });
  for (const id of ids) await s.add(item(id));
  await s.flush();
  return { outcomes: Object.fromEntries(outcomes.map((o) => [o.item.id, o.result === 'rejected' ? `rejected ${o.status} ${o.reason}` : o.result])), retries };
}

test('created, present (409), rejected with the reason, and an item the cluster was too busy for, retried alone', async () => {
  const conn = fakeConnection([
    () => ({ status: 200, body: { items: [{ create: { status: 201 } }, { create: { status: 409 } }, { create: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse [source.ip]' } } }, { create: { status: 429 } }] } }),
  ]);
  const r = await run(conn, ['a', 'b', 'c', 'd']);
  expect(r.outcomes).toEqual({ a: 'created', b: 'present', c: 'rejected 400 mapper_parsing_exception: failed to parse [source.ip]', d: 'created' });
  expect(conn.calls).toEqual([['a', 'b', 'c', 'd'], ['d']]);
});

test('a busy or failing cluster (429, 503) and a lost connection are retried until the documents are in', async () => {
  const conn = fakeConnection([() => ({ status: 429, body: {} }), () => new UnreachableError('connection refused'), () => ({ status: 503, body: {} })]);
  const r = await run(conn, ['a', 'b']);
  expect(r.outcomes).toEqual({ a: 'created', b: 'created' });
  expect(r.retries).toEqual(['HTTP 429', 'connection refused', 'HTTP 503']);
});

test('gives up after the retry time without progress, saying how to resume', async () => {
  const conn = fakeConnection(Array(10_000).fill(() => new UnreachableError('connection refused')));
  await expect(run(conn, ['a'])).rejects.toThrow(/gave up after 1 s of retries: connection refused/);
});

test('cuts requests by size', async () => {
  const conn = fakeConnection([]);
  await run(conn, ['a', 'b', 'c', 'd', 'e'], 200);
  expect(conn.calls.length).toBeGreaterThan(1);
  expect(conn.calls.flat()).toEqual(['a', 'b', 'c', 'd', 'e']);
});

test('a request the cluster refuses as a whole (403) stops the run', async () => {
  const conn = fakeConnection([() => ({ status: 403, body: { error: 'no' } })]);
  await expect(run(conn, ['a'])).rejects.toThrow(/refused a bulk request \(HTTP 403\)/);
});

test('a document already there after a request whose answer was lost counts as written by this run', async () => {
  const conn = fakeConnection([() => new UnreachableError('socket hang up'), (ids) => ({ status: 200, body: { items: ids.map(() => ({ create: { status: 409 } })) } })]);
  const r = await run(conn, ['a', 'b']);
  expect(r.outcomes).toEqual({ a: 'created', b: 'created' });
});

test('the pause between retries doubles up to its ceiling, and the default ceiling is 10 s', async () => {
  const conn = fakeConnection(Array(6).fill(() => new UnreachableError('connection refused')));
  const waits: number[] = [];
  const s = new BulkSender(conn, { backoffMs: 1, maxBackoffMs: 4, retryForMs: 60_000, onOutcome: () => {}, onRetry: (_why, ms) => waits.push(ms) });
  await s.add(item('a'));
  await s.flush();
  expect(waits).toEqual([1, 2, 4, 4, 4, 4]);
  // the defaults, as the README states them: from 0.5 s, doubling, to 10 s at most
  const defaults = new BulkSender(fakeConnection([]), { onOutcome: () => {} }) as unknown as { backoffMs: number; maxBackoffMs: number; retryForMs: number };
  expect([defaults.backoffMs, defaults.maxBackoffMs, defaults.retryForMs]).toEqual([500, 10_000, 600_000]);
});
