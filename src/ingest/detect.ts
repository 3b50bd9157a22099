/**
 * What an archived file holds, told from its first bytes and lines: the format (plain log
 * lines, NDJSON documents, Windows event XML, binary .evtx) and the log source (Postfix,
 * NetScreen, Squid, BIND, Windows). A mixed dump of a whole environment is the common case, so
 * each file is placed on its own; one that cannot be placed is reported, never guessed.
 */

export const SOURCES = ['postfix', 'netscreen', 'squid', 'bind', 'windows'] as const;
export type SourceName = (typeof SOURCES)[number];

export const FORMATS = ['lines', 'ndjson', 'xml', 'evtx'] as const;
export type Format = (typeof FORMATS)[number];

const EVTX_MAGIC = Buffer.from('ElfFile\0', 'latin1');

/** The format, from the first bytes of the (decompressed) input. */
export function detectFormat(head: Buffer): Format {
  if (head.subarray(0, 8).equals(EVTX_MAGIC)) return 'evtx';
  // UTF-16 (Event Viewer's "Save as XML" writes it with a BOM) or UTF-8 with or without a BOM
  let text: string;
  if (head[0] === 0xff && head[1] === 0xfe) text = head.subarray(2, 512).toString('utf16le');
  else if (head[0] === 0xfe && head[1] === 0xff) text = Buffer.from(head.subarray(2, 512)).swap16().toString('utf16le');
  else text = head.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '');
  const start = text.trimStart();
  if (/^<(\?xml|Events[\s>]|Event[\s>])/.test(start)) return 'xml';
  if (start.startsWith('{')) return 'ndjson';
  return 'lines';
}

/**
 * The body of a line behind a syslog header, when it has one (`[<PRI>](Mmm d HH:mm:ss | RFC 3339)
 * HOST PROG[PID]: `), with the program; else the line itself.
 */
const SYSLOG_HEADER = /^(?:<\d{1,3}>)?(?:[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (\S+) ([^\s:[]+)(?:\[\d+\])?: ?/;
const PROGRAM_PREFIX = /^([^\s:[]+)(?:\[\d+\])?: /;

function bodyOf(line: string): { program?: string; body: string } {
  const m = SYSLOG_HEADER.exec(line);
  if (m) return { program: m[2]!, body: line.slice(m[0].length) };
  return { body: line };
}

/** One test per source, on a line's program (when it has a syslog header) and body. */
const LINE_TESTS: Array<[SourceName, (program: string | undefined, body: string, line: string) => boolean]> = [
  ['postfix', (p, b) => (p !== undefined && /^postfix(-[\w-]+)?\//.test(p)) || /^postfix(-[\w-]+)?\/[\w/-]+(\[\d+\])?: /.test(b) || /^[0-9A-F]{6,12}: (from|to|client|message-id|uid|removed|warning|reject|info: header)\b/.test(b)],
  [
    'netscreen',
    (p, b) =>
      /NetScreen device_id=/.test(b) || /\[[^\]]*\]system-(emergency|alert|critical|error|warning|notification|information|debugging)-\d{5}/.test(b) || /^\[\d+\] \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[/.test(b) || (p !== undefined && /^ns\w*$/i.test(p) && /device_id=/.test(b)),
  ],
  [
    'squid',
    (p, b) =>
      /^\d{9,10}(\.\d{1,6})? +\d+ \S+ [A-Z_]+\/\d{3} \d+ \S+ \S+ \S+ [A-Z_]+\/\S+ \S+/.test(b) ||
      // the combined logformat with Squid's result and hierarchy codes at the end (%Ss:%Sh)
      /^\S+ \S+ \S+ \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "[^"]*" \d{3} \d+ .*\b[A-Z]+_[A-Z_]+:[A-Z_]+$/.test(b) ||
      (p !== undefined && /^squid/.test(p)),
  ],
  [
    'bind',
    (p, b) =>
      (p !== undefined && p === 'named') ||
      /^\d{1,2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2}(\.\d+)? /.test(b) ||
      /\bclient (@0x[0-9a-f]+ )?[0-9a-fA-F.:]+#\d+( \([^)]*\))?: (view \S+: )?(query|answer|query \(cache\)|query failed)/.test(b) ||
      /^(queries|query-errors|responses|resolver|lame-servers|dnssec|rpz|security|xfer-in|xfer-out|general|default|edns-disabled): (info|notice|warning|error|critical|debug( \d+)?|dynamic): /.test(b),
  ],
  ['windows', (_p, b) => /^<Event[\s>]/.test(b.trimStart())],
];

/** The source of one plain line, or undefined. */
export function sourceOfLine(line: string): SourceName | undefined {
  const { program, body } = bodyOf(line);
  for (const [source, test] of LINE_TESTS) if (test(program, body, line)) return source;
  return undefined;
}

/** The source of one NDJSON document: Windows when it is a Winlogbeat/Agent or NXLog event, else by its message. */
export function sourceOfDocument(doc: Record<string, unknown>): SourceName | undefined {
  if (doc.winlog !== undefined || (doc.EventID !== undefined && (doc.Channel !== undefined || doc.SourceName !== undefined))) return 'windows';
  const dataset = (doc.data_stream as { dataset?: unknown } | undefined)?.dataset ?? (doc.event as { dataset?: unknown } | undefined)?.dataset;
  if (typeof dataset === 'string') {
    const m = /^(?:jpcert\.)?(postfix|netscreen|squid|bind|windows)$/.exec(dataset);
    if (m) return m[1] as SourceName;
  }
  const process = doc.process as { name?: unknown } | undefined;
  const program = [process?.name, doc.programname, doc.ident, doc.SYSLOG_IDENTIFIER, (doc.log as { syslog?: { appname?: unknown } } | undefined)?.syslog?.appname].find((v) => typeof v === 'string') as string | undefined;
  const message = [doc.message, doc.msg, doc.MESSAGE].find((v) => typeof v === 'string') as string | undefined;
  if (program && /^postfix(-[\w-]+)?\//.test(program)) return 'postfix';
  if (program === 'named') return 'bind';
  if (message === undefined) return undefined;
  const { body } = bodyOf(message);
  for (const [source, test] of LINE_TESTS) if (test(program, body, message)) return source;
  return undefined;
}

export interface Placement {
  source?: SourceName;
  /** how many of the sampled records each source claimed, for the report */
  votes: Partial<Record<SourceName, number>>;
  sampled: number;
}

/**
 * The source of a file from a sample of its records: the one that claims the most of them,
 * when it claims at least half of those any source claims and at least one in five of the
 * sample (so that a file of unknown lines with one stray match is not placed).
 */
export function placeSample(claims: Array<SourceName | undefined>): Placement {
  const votes: Partial<Record<SourceName, number>> = {};
  for (const c of claims) if (c) votes[c] = (votes[c] ?? 0) + 1;
  const ranked = (Object.entries(votes) as Array<[SourceName, number]>).sort((a, b) => b[1] - a[1]);
  const claimed = ranked.reduce((n, [, v]) => n + v, 0);
  const best = ranked[0];
  const placed = best && best[1] * 2 >= claimed && best[1] * 5 >= claims.length;
  return { ...(placed ? { source: best[0] } : {}), votes, sampled: claims.length };
}
