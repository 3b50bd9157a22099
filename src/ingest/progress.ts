import cliProgress from 'cli-progress';

/**
 * Progress of a load: on a terminal a bar (records, bytes, docs/s, ETA, from cli-progress);
 * elsewhere (a pipe, a scheduler's log) a plain line every interval. Both on stderr, so the
 * summary on stdout stays clean.
 */

export interface Progress {
  startInput(name: string, size?: number): void;
  /** a record read, starting at this byte offset of the input */
  record(offset: number): void;
  /** a document the cluster answered for */
  doc(): void;
  note(line: string): void;
  stop(): void;
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

export function makeProgress(stream: NodeJS.WriteStream = process.stderr, intervalMs = 10_000): Progress {
  const started = Date.now();
  let records = 0;
  let docs = 0;
  let doneBytes = 0;
  let inputBytes = 0;
  let size: number | undefined;
  let name = '';
  const rate = () => Math.round(docs / Math.max(0.001, (Date.now() - started) / 1000));

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: '{name} |{bar}| {percentage}% {records} records, {mb}, {rate} docs/s, ETA {eta_formatted}', hideCursor: true, etaBuffer: 50, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
    let active = false;
    return {
      startInput(n, s) {
        if (active) bar.stop();
        name = n.length > 30 ? `…${n.slice(-29)}` : n;
        size = s;
        doneBytes += inputBytes;
        inputBytes = 0;
        bar.start(s ?? 1, 0, { name, records, mb: mb(doneBytes), rate: rate() });
        active = true;
      },
      record(offset) {
        records++;
        inputBytes = offset;
        if (records % 500 === 0) bar.update(size ? Math.min(offset, size) : 0, { records, mb: mb(doneBytes + offset), rate: rate() });
      },
      doc() {
        docs++;
      },
      note(line) {
        stream.write(`\n${line}\n`);
      },
      stop() {
        if (active) {
          bar.update(size ?? 1, { records, mb: mb(doneBytes + inputBytes), rate: rate() });
          bar.stop();
        }
        active = false;
      },
    };
  }

  let last = Date.now();
  const tick = () => {
    if (Date.now() - last < intervalMs) return;
    last = Date.now();
    const pct = size ? ` (${Math.round((100 * inputBytes) / size)}% of ${name})` : ` (${name})`;
    stream.write(`ingest: ${records} records, ${mb(doneBytes + inputBytes)}, ${docs} documents answered, ${rate()} docs/s${pct}\n`);
  };
  return {
    startInput(n, s) {
      name = n;
      size = s;
      doneBytes += inputBytes;
      inputBytes = 0;
    },
    record(offset) {
      records++;
      inputBytes = offset;
      tick();
    },
    doc() {
      docs++;
    },
    note(line) {
      stream.write(`${line}\n`);
    },
    stop() {},
  };
}
