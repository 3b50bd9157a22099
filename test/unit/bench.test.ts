import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addIngestDiff, benchFiles, benchLines, benchTable, fileTable, formatTable, ingestMicrosPerDoc, ingestTotals, pipelineTable, splitTable, type BenchRow } from '../../src/bench/pipelines.js';

const stats = (pipelines: Record<string, [number, number]>, node = 'n1') => ({
  nodes: { [node]: { ingest: { pipelines: Object.fromEntries(Object.entries(pipelines).map(([k, [count, ms]]) => [k, { count, time_in_millis: ms, current: 0, failed: 0 }])) } } },
});

describe('ingest stats', () => {
  it('sums pipelines over nodes', () => {
    const body = { nodes: { ...stats({ a: [2, 10] }, 'n1').nodes, ...stats({ a: [3, 5], b: [1, 1] }, 'n2').nodes } };
    expect(ingestTotals(body)).toEqual({ a: { count: 5, millis: 15 }, b: { count: 1, millis: 1 } });
    expect(ingestTotals({})).toEqual({});
  });

  it('adds what ran between two readings, leaving out pipelines that ran nothing', () => {
    const before = ingestTotals(stats({ a: [10, 100], idle: [4, 40] }));
    const after = ingestTotals(stats({ a: [15, 160], idle: [4, 40], fresh: [2, 3] }));
    const into = addIngestDiff({ a: { count: 1, millis: 1 } }, before, after);
    expect(into).toEqual({ a: { count: 6, millis: 61 }, fresh: { count: 2, millis: 3 } });
  });

  it('µs per document over the named pipelines, undoing the per-batch crediting', () => {
    // OpenSearch: two batches of 1000 documents, 100 ms and 50 ms, each credited to all 1000
    const totals = { top: { count: 2000, millis: 150_000 }, final: { count: 2000, millis: 20_000 }, sub: { count: 500, millis: 7 } };
    expect(ingestMicrosPerDoc(totals, 2000, ['top'], 1000)).toBeCloseTo(75);
    expect(ingestMicrosPerDoc(totals, 2000, ['top', 'final'], 1000)).toBeCloseTo(85);
    expect(ingestMicrosPerDoc({ top: { count: 4, millis: 2 } }, 4, ['top', 'missing'], 1)).toBeCloseTo(500);
  });
});

describe('tables', () => {
  it('pads columns to their widest cell', () => {
    expect(formatTable(['a', 'long header'], [['wide cell', 'x']])).toBe('a          long header\nwide cell  x');
  });

  const row: BenchRow = {
    source: 'bind',
    corpus: 10,
    docs: 1000,
    rounds: 2,
    raw: 10_000,
    grok: 5000,
    pack: 2000,
    packDocs: 4000,
    packDocsPiped: 3200,
    // two rounds of one 1000-document batch each: grok 50 ms, pack 200 + 20 ms per batch
    legacyIngest: { 'bench-legacy-bind': { count: 2000, millis: 100_000 } },
    packIngest: { 'jpcert-bind': { count: 2000, millis: 400_000 }, 'jpcert-bind-query': { count: 2000, millis: 3 }, 'jpcert-common-final': { count: 2000, millis: 40_000 } },
    packPipelines: ['jpcert-bind', 'jpcert-common-final'],
    ingestTimedPer: 1000,
    files: [
      { file: 'queries.log', lines: 60, ingestMicros: 40 },
      { file: 'queries-syslog.log', lines: 30, ingestMicros: 75 },
    ],
  };

  it('gives the cost against the floor, and what an empty pipeline costs against it', () => {
    const [header, line] = benchTable([row]).split('\n').map((l) => l.split(/\s{2,}/));
    expect(header).toEqual(['source', 'lines', 'docs', 'no pipeline docs/s', 'floor docs/s', 'legacy grok docs/s', 'pack docs/s', 'cost vs floor', 'empty pipeline vs floor', 'cost vs legacy grok', 'cost vs none']);
    expect(line).toEqual(['bind', '10', '1000', '10000', '4000', '5000', '2000', '2.00x', '1.25x', '2.50x', '5.00x']);
  });

  it('splits the pack cost into ingest time and the pipeline-free document', () => {
    const [header, line] = splitTable([row]).split('\n').map((l) => l.split(/\s{2,}/));
    expect(header).toEqual(['source', 'pack µs/doc', 'pack ingest µs/doc', 'ingest share', 'legacy grok ingest µs/doc', 'pack docs, no pipeline docs/s', 'its cost vs none', 'its cost vs legacy grok']);
    // 1e6 / 2000 docs/s = 500 µs; ingest (400 + 40) s·doc / 1000 / 2000 docs = 220 µs = 44%
    expect(line).toEqual(['bind', '500.0', '220.0', '44%', '50.0', '4000', '2.50x', '1.25x']);
  });

  it('lists every pipeline per run, sub-pipelines marked', () => {
    const lines = pipelineTable([row]).split('\n').map((l) => l.split(/\s{2,}/));
    expect(lines.slice(1)).toEqual([
      ['bind', 'bench-legacy-bind', '2000', '50.0'],
      ['bind', 'jpcert-bind', '2000', '200.0'],
      ['bind', 'jpcert-bind-query', '2000', '1.5', 'sub-pipeline, inside its caller; whole ms per run: a lower bound'],
      ['bind', 'jpcert-common-final', '2000', '20.0'],
    ]);
  });

  it('gives each corpus file its pack ingest time, against the legacy grok of the same run', () => {
    const lines = fileTable([row, { ...row, source: 'postfix', grok: undefined, legacyIngest: {}, files: [{ file: 'mail.log', lines: 5, ingestMicros: 120 }] }])
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(lines).toEqual([
      ['source', 'corpus file', 'lines', 'pack ingest µs/doc', 'legacy grok ingest µs/doc', 'ratio'],
      ['bind', 'queries.log', '60', '40.0', '50.0', '0.80x'],
      ['bind', 'queries-syslog.log', '30', '75.0', '50.0', '1.50x'],
      ['postfix', 'mail.log', '5', '120.0', '-', '-'],
    ]);
  });
});

describe('the lines a source is measured on', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'bench-lines-'));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write('pipelines/a/_dev/benchmark/b.log', 'b1\n\nb2\n');
  write('pipelines/a/_dev/benchmark/a.log', 'a1\n');
  write('pipelines/a/_dev/benchmark/notes.txt', 'not a log\n');
  write('pipelines/a/_dev/test/test-x.log', 'fixture\n');
  write('pipelines/b/_dev/test/test-x.log', 'x1\n  \nx2\n');
  write('pipelines/b/_dev/test/test-bad-input.log', 'garbage\n');
  write('pipelines/b/_dev/test/test-x.log-expected.json', '[]\n');

  it('takes the benchmark corpus, file by file in name order, without blank lines', () => {
    expect(benchLines(root, 'a')).toEqual(['a1', 'b1', 'b2']);
  });

  it('keeps the corpus file by file', () => {
    expect(benchFiles(root, 'a')).toEqual([
      { file: 'a.log', lines: ['a1'] },
      { file: 'b.log', lines: ['b1', 'b2'] },
    ]);
    expect(benchFiles(root, 'b')).toEqual([]);
  });

  it('falls back to the fixture lines without bad input', () => {
    expect(benchLines(root, 'b')).toEqual(['x1', 'x2']);
    expect(benchLines(root, 'none')).toEqual([]);
  });
});

describe('the ingest bench --bytes size', () => {
  it('reads bytes and binary units, and refuses what is not a size', async () => {
    const { parseByteSize } = await import('../../src/bench/ingest.js');
    expect(parseByteSize('5g')).toBe(5 * 1024 ** 3);
    expect(parseByteSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseByteSize('500m')).toBe(500 * 1024 ** 2);
    expect(parseByteSize('200KiB')).toBe(200 * 1024);
    expect(parseByteSize('1234')).toBe(1234);
    expect(() => parseByteSize('5 gigs')).toThrow(/not a size/);
    expect(() => parseByteSize('-1g')).toThrow(/not a size/);
  });
});
