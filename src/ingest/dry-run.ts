import type { Connection } from '../cluster/connection.js';
import { ContentError } from '../errors.js';
import { inspectInput, readOptionsOf, type IngestOptions } from './ingest.js';
import { readRecords } from './records.js';

const SAMPLE = 3;

/**
 * `ingest --dry-run`: what each input would become, without indexing: its detected format,
 * encoding and source, and its first records through the source's pipeline (`_simulate`).
 */
export async function dryRun(conn: Connection, o: Omit<IngestOptions, 'progress'>): Promise<string[]> {
  const out: string[] = [];
  for (const input of o.inputs) {
    const { bytes, gzip, format, encoding, source } = await inspectInput(input, o);
    out.push(`== ${input}: ${source ?? 'source not recognised (give --source)'}, ${format}${gzip ? ' (gzip)' : ''}, ${encoding}`);
    if (!source) continue;
    const docs: Array<Record<string, unknown>> = [];
    for await (const r of readRecords(bytes, readOptionsOf(input, gzip, format, encoding, o.fileTime ?? new Date().toISOString(), o.timeZone), { empty: 0, notes: [] })) {
      docs.push(r.doc);
      if (docs.length >= SAMPLE) break;
    }
    const res = await conn.request('POST', `/_ingest/pipeline/jpcert-${source}/_simulate`, { docs: docs.map((_source) => ({ _source })) });
    if (res.status === 404) throw new ContentError(`the cluster has no pipeline jpcert-${source}`, 'install the pack first: npm run deploy -- --cluster URL');
    for (const d of (res.body as { docs: Array<{ doc?: { _source: unknown }; error?: unknown }> }).docs) out.push(JSON.stringify(d.doc?._source ?? d.error));
  }
  return out;
}
