import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { appendAll } from '../../arrays.js';
import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../../config/load.js';
import type { HapbeatEvent } from '../../documents/event.js';
import { DATASETS, type Dataset } from '../../fields/datasets.js';
import { destination, templateName } from '../../elastic/templates.js';
import type { Logger } from '../../log/logger.js';
import { failureKindOf, statusVerdict, type FailureKind } from '../failure.js';
import { emptyResult, mergeResults, type Output, type PublishOptions, type PublishResult } from '../output.js';
import { bulkBody, bulkEstimate, classifyItems, type BulkItem } from './bulk.js';
import { BufferPool } from '../../byte-writer.js';
import { ensureTemplates } from '../../elastic/preflight.js';
import { HapbeatError } from '../../errors.js';

/** Why a whole request failed: `kind` is undefined when retrying cannot help (the documents are rejected). */
export interface RequestFailure {
  kind?: FailureKind;
  message: string;
  status?: number;
  unreachable?: boolean;
}

/** Connection errors that mean nothing listens or no route leads there (not a reset or a timeout). */
const NOT_CONNECTED = /\b(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\b/;

const TSDB_ID_ERROR = '_id must be unset';
const gzip = promisify(gzipCallback);
const BULK_FILTER = 'errors,items.*.status,items.*.error';

/**
 * Writes batches with `_bulk`, one `create` per document, into the data streams
 * metrics-haproxy.<dataset>-<namespace> (or daily indices). It sends each document's deterministic `_id`,
 * except into time series data streams, which derive the id from the dimensions and the timestamp
 * themselves (and reject any other). Either way a re-sent document is answered 409 and counted as a
 * duplicate. A request larger than the cluster accepts (413) is split in halves.
 */
export class ElasticsearchOutput implements Output {
  readonly name = 'elasticsearch';
  /** Per dataset: send our _id (false for TSDB data streams). Learned from the installed templates. */
  private readonly sendIds = new Map<string, boolean>();
  private templatesChecked = false;
  /** Request bodies, reused: as many as requests can be in flight while a backlog drains (at most 16). */
  private readonly bodies = new BufferPool(16, 64 * 1024 * 1024);

  constructor(
    private readonly client: Client,
    private readonly cfg: ElasticsearchConfig,
    private readonly namespace: string,
    private readonly log: Logger,
  ) {}

  indexFor = (e: HapbeatEvent): string => destination(e.dataset, this.namespace, this.cfg.indexMode, e.timestamp);

  /**
   * On first contact: installs hapbeat's templates if they are missing (setup.template.enabled, as Beats do),
   * then reads them to learn which datasets are TSDB (no explicit _id there).
   */
  private async checkTemplates(signal?: AbortSignal): Promise<void> {
    if (this.templatesChecked) return;
    try {
      const r = await ensureTemplates(this.client, this.cfg);
      if (r.installed.length > 0) this.log.info({ installed: r.installed }, `hapbeat's index templates were missing; installed them (${r.missing.join(', ')})`);
      else if (r.missing.length > 0)
        this.log.warn({ missing: r.missing }, `sending without hapbeat's index templates (setup.template.enabled: false): ${r.missing.join(', ')}`);
    } catch (err) {
      if (!(err instanceof HapbeatError)) throw err;
      this.log.error({ error: { code: err.code, message: err.message } }, err.message);
    }
    for (const ds of DATASETS) {
      try {
        const r = (await this.client.indices.getIndexTemplate({ name: templateName(ds, this.cfg.indexMode) }, { signal })) as {
          index_templates?: { index_template: { _meta?: { tsdb?: boolean } } }[];
        };
        const tsdb = r.index_templates?.[0]?.index_template._meta?.tsdb === true;
        this.sendIds.set(ds, !tsdb);
      } catch (err) {
        if ((err as { meta?: { statusCode?: number } }).meta?.statusCode === 404) {
          this.sendIds.set(ds, true); // no template (setup.template.enabled false, or not allowed): reported above
        } else throw err;
      }
    }
    this.templatesChecked = true;
  }

  async publish(events: readonly HapbeatEvent[], opts: PublishOptions = {}): Promise<PublishResult> {
    const total = emptyResult();
    try {
      await this.checkTemplates(opts.signal);
    } catch (err) {
      const f = describeFailure(err, opts.signal);
      return { ...total, retry: [...events], failure: { kind: f.kind ?? 'unavailable', message: f.message, status: f.status } };
    }
    // Split by count and by bytes.
    let chunk: HapbeatEvent[] = [];
    let bytes = 0;
    const chunks: HapbeatEvent[][] = [];
    for (const e of events) {
      const size = e.json.length + 120;
      if (chunk.length > 0 && (chunk.length >= this.cfg.bulkMaxSize || bytes + size > this.cfg.bulkMaxBytes)) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(e);
      bytes += size;
    }
    if (chunk.length) chunks.push(chunk);
    for (const c of chunks) {
      if (opts.signal?.aborted) {
        mergeResults(total, { ...emptyResult(), retry: c, failure: { kind: 'aborted', message: 'shutting down' } });
        continue;
      }
      mergeResults(total, await this.send(c, opts.signal));
    }
    return total;
  }

  private async send(events: HapbeatEvent[], signal?: AbortSignal): Promise<PublishResult> {
    const writer = this.bodies.borrow(bulkEstimate(events));
    const body = bulkBody(events, this.indexFor, (e) => this.sendIds.get(e.dataset) ?? true, writer);
    let resp: { errors?: boolean; items?: Record<string, BulkItem>[] };
    try {
      // gzip at level 1, as Beats do by default: about a third of the CPU of the client's level 6, for 25%
      // more of a body that is already a tenth of its size.
      let payload = body;
      if (this.cfg.compression) {
        payload = await gzip(body, { level: 1 });
        // gzip has made its copy: the plain body can serve the next request.
        this.bodies.giveBack(writer);
      }
      resp = (await this.client.transport.request(
        // Only each item's status and error are read: filtering the rest out shrinks the answer about tenfold
        // (Elasticsearch builds less, hapbeat parses less). Every item keeps its status, so items stay in order.
        { method: 'POST', path: '/_bulk', bulkBody: payload, querystring: { filter_path: BULK_FILTER } },
        {
          requestTimeout: this.cfg.timeoutMs,
          maxRetries: 0,
          signal,
          compression: false,
          headers: this.cfg.compression ? { 'content-encoding': 'gzip' } : undefined,
        },
      )) as typeof resp;
    } catch (err) {
      const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
      if (status === 413 && events.length > 1) {
        const half = Math.ceil(events.length / 2);
        this.log.warn({ documents: events.length }, 'Elasticsearch refused a bulk request as too large (413); splitting it');
        const a = await this.send(events.slice(0, half), signal);
        const b = await this.send(events.slice(half), signal);
        return mergeResults(a, b);
      }
      const failure = describeFailure(err, signal);
      if (!failure.kind) {
        return { ...emptyResult(), rejected: events.map((event) => ({ event, status, reason: failure.message })) };
      }
      return {
        ...emptyResult(),
        retry: events,
        failure: { kind: failure.kind, message: failure.message, status: failure.status, unreachable: failure.unreachable },
      };
    }
    // Elasticsearch answered for every item, so it read the whole plain body: nothing sends it any more. (After
    // a failure the socket may still hold it; that buffer is left to the garbage collector.)
    if (!this.cfg.compression) this.bodies.giveBack(writer);
    const r = classifyItems(events, (resp.items ?? []) as { create?: BulkItem }[]);
    // A TSDB data stream created without our template metadata: learn it, and retry those items without _id.
    const tsdbRejects = r.rejected.filter((x) => x.reason.includes(TSDB_ID_ERROR));
    if (tsdbRejects.length > 0) {
      for (const x of tsdbRejects) this.sendIds.set(x.event.dataset, false);
      r.rejected = r.rejected.filter((x) => !x.reason.includes(TSDB_ID_ERROR));
      appendAll(
        r.retry,
        tsdbRejects.map((x) => x.event),
      );
    }
    return r;
  }

  /** `GET _cluster/health` answers (any HTTP answer but a 5xx means the cluster is reachable again). */
  async probe(signal: AbortSignal): Promise<boolean> {
    try {
      await this.client.cluster.health({}, { requestTimeout: 2000, maxRetries: 0, signal });
      return true;
    } catch (err) {
      const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
      return status !== undefined && status > 0 && status < 500;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/**
 * Whole-request failures, classified by `statusVerdict`: connection problems, timeouts, 429 and 5xx are
 * retried; so are 401/403 (fix the credentials or role and delivery goes on). Other statuses reject.
 */
export function describeFailure(err: unknown, signal?: AbortSignal): RequestFailure {
  if (signal?.aborted || (err as Error | undefined)?.name === 'AbortError' || err instanceof errors.RequestAbortedError) {
    return { kind: 'aborted', message: 'the request was aborted at shutdown' };
  }
  if (err instanceof errors.ResponseError) {
    const status = err.meta.statusCode ?? 0;
    const reason = (err.meta.body as { error?: { reason?: string; type?: string } } | undefined)?.error;
    const message = `Elasticsearch answered ${status}${reason ? ` (${reason.type}: ${reason.reason})` : ''}`;
    if (statusVerdict(status) !== 'retry') return { status, message };
    if (status === 401 || status === 403) {
      return { kind: 'unauthorized', status, message: `${message}: check output.elasticsearch credentials and privileges (hapbeat test output)` };
    }
    return { kind: failureKindOf(status), status, message };
  }
  if (err instanceof errors.TimeoutError) return { kind: 'unavailable', message: 'the request timed out' };
  if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError) {
    const message = (err as Error).message;
    return { kind: 'unavailable', message: `cannot reach Elasticsearch (${message})`, unreachable: NOT_CONNECTED.test(message) || undefined };
  }
  if (err instanceof errors.ProductNotSupportedError) {
    return { kind: 'unavailable', message: 'the server does not identify as Elasticsearch (X-Elastic-Product missing): is this a proxy or OpenSearch?' };
  }
  return { kind: 'unavailable', message: (err as Error)?.message ?? String(err) };
}
