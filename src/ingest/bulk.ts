import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from '../cluster/connection.js';
import { PackError, UnreachableError } from '../errors.js';

/**
 * Sends documents with `_bulk` `create` operations: requests cut by size in bytes, a bounded
 * number in flight (a caller that adds faster than the cluster takes waits: backpressure),
 * retried with growing pauses when the cluster is busy (429), failing (5xx) or gone
 * (connection lost, restarting) until `retryFor` has passed without progress: by default
 * 10 minutes, with pauses from 0.5 s doubling up to 10 s, so that an engine restart (a
 * minute or two) is waited out and the load goes on within 10 s of the engine's return. A document whose
 * `_id` already exists (409) is counted as present (an earlier run wrote it), or as created
 * when it was in a request of this run whose answer was lost, so a re-run ends with one
 * document per input line and the counts say who wrote what. Other refusals are the
 * cluster's verdict on the document: reported with its reason, not retried.
 */

/**
 * Defaults measured with \`npm run bench -- ingest\` on a warm 2-core engine (2026-12-03, Squid,
 * 100,000 lines, docs/s): 5 MiB x 2 in flight 7,019; 2 MiB x 3 7,165; 1 MiB x 2 7,692;
 * 1 MiB x 3 7,852; 1 MiB x 4 9,035. Requests that run the pipelines hold every document's
 * parsed form in the engine's heap, so smaller requests also keep a small node out of
 * garbage-collection trouble (a 512 MiB node ran out of heap under 5 MiB x 5), and more of
 * them keep every write thread busy to the end of a file.
 */
export const DEFAULT_BULK_BYTES = 1024 * 1024;
export const DEFAULT_CONCURRENCY = 4;

export interface BulkItem {
  index: string;
  id: string;
  doc: Record<string, unknown>;
  /** what the caller needs to report a refusal (file, offset, the raw text) */
  ref: unknown;
}

/** an item as it waits for its answer: its document is already serialised, and not kept */
export type SentItem = Omit<BulkItem, 'doc'>;

export type ItemOutcome = { item: SentItem; result: 'created' | 'present' } | { item: SentItem; result: 'rejected'; status: number; reason: string };

export interface BulkOptions {
  /** request size in bytes (default DEFAULT_BULK_BYTES) */
  maxBytes?: number;
  /** requests in flight (default DEFAULT_CONCURRENCY) */
  concurrency?: number;
  /** how long to keep retrying without any request succeeding (default 10 minutes) */
  retryForMs?: number;
  /** first pause between retries (default 500 ms), doubled each time up to `maxBackoffMs` */
  backoffMs?: number;
  /** the longest pause between retries (default 10 s): the most a load loses once the cluster is back */
  maxBackoffMs?: number;
  onOutcome: (o: ItemOutcome) => void;
  /** told when a request is retried, with why */
  onRetry?: (why: string, waitMs: number) => void;
}

interface BulkResponseItem {
  create?: { status: number; error?: { type?: string; reason?: string; caused_by?: { reason?: string } } };
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);

export class BulkSender {
  private batch: Array<{ item: SentItem; line: string }> = [];
  private batchBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private readonly maxBytes: number;
  private readonly concurrency: number;
  private readonly retryForMs: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  requests = 0;
  retries = 0;

  constructor(
    private readonly conn: Connection,
    private readonly opts: BulkOptions,
  ) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_BULK_BYTES;
    this.concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
    this.retryForMs = opts.retryForMs ?? 10 * 60_000;
    this.backoffMs = opts.backoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  }

  /** queues a document; resolves when there is room for more (waits while requests are in flight) */
  async add(item: BulkItem): Promise<void> {
    if (this.failure) throw this.failure;
    const line = `{"create":{"_index":${JSON.stringify(item.index)},"_id":${JSON.stringify(item.id)}}}\n${JSON.stringify(item.doc)}\n`;
    const bytes = Buffer.byteLength(line);
    if (this.batch.length && this.batchBytes + bytes > this.maxBytes) await this.send();
    this.batch.push({ item: { index: item.index, id: item.id, ref: item.ref }, line });
    this.batchBytes += bytes;
  }

  /** sends what is queued and waits for every request */
  async flush(): Promise<void> {
    if (this.batch.length) await this.send();
    while (this.inFlight.size) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private async send(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
    const p: Promise<void> = this.deliver(batch)
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** one request, and its retries, until every document has an outcome */
  private async deliver(batch: Array<{ item: SentItem; line: string }>): Promise<void> {
    let pending = batch;
    let wait = this.backoffMs;
    let lastProgress = Date.now();
    // a request whose answer was lost (connection gone, timeout) may have been carried out:
    // a 409 for its documents then means this run wrote them
    let answerLost = false;
    while (pending.length) {
      let status: number;
      let body: unknown;
      try {
        this.requests++;
        ({ status, body } = await this.conn.bulk(pending.map((p) => p.line).join('')));
      } catch (err) {
        // connection refused or lost, a timeout: the cluster may be restarting
        if (!(err instanceof UnreachableError)) throw err;
        status = 0;
        body = (err as Error).message;
        answerLost = true;
      }
      if (status === 200) {
        const items = (body as { items?: BulkResponseItem[] }).items ?? [];
        const again: typeof pending = [];
        items.forEach((r, i) => {
          const p = pending[i]!;
          const s = r.create?.status ?? 0;
          if (s === 201 || s === 200) this.opts.onOutcome({ item: p.item, result: 'created' });
          else if (s === 409) this.opts.onOutcome({ item: p.item, result: answerLost ? 'created' : 'present' });
          else if (RETRY_STATUS.has(s) || s >= 500) again.push(p);
          else {
            const e = r.create?.error;
            this.opts.onOutcome({ item: p.item, result: 'rejected', status: s, reason: `${e?.type ?? 'error'}: ${e?.reason ?? ''}${e?.caused_by?.reason ? ` (${e.caused_by.reason})` : ''}` });
          }
        });
        if (again.length < pending.length) {
          lastProgress = Date.now();
          wait = this.backoffMs;
        }
        pending = again;
        if (!pending.length) return;
      } else if (status !== 0 && !RETRY_STATUS.has(status) && status < 500) {
        throw new PackError(`the cluster refused a bulk request (HTTP ${status}): ${JSON.stringify(body).slice(0, 500)}`, 7, 'check the user\'s rights to write the data streams (create_doc on <prefix>-jpcert.*)');
      }
      if (Date.now() - lastProgress > this.retryForMs) {
        throw new UnreachableError(`gave up after ${Math.round(this.retryForMs / 1000)} s of retries: ${status ? `HTTP ${status}` : String(body)}`, 'check that the cluster runs and has room; run the same command again to resume (documents already indexed are not sent twice)');
      }
      this.retries++;
      this.opts.onRetry?.(status ? `HTTP ${status}` : String(body), wait);
      await sleep(wait);
      wait = Math.min(wait * 2, this.maxBackoffMs);
    }
  }
}
