import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../../config/load.js';

/**
 * The official client (8.x line: it speaks to Elasticsearch 8 and 9). Its own retries are off: hapbeat
 * retries per document, with backoff, and keeps what it cannot send in the spool.
 */
export function createClient(cfg: ElasticsearchConfig): Client {
  const opts: ClientOptions = {
    nodes: cfg.hosts,
    compression: cfg.compression,
    requestTimeout: cfg.timeoutMs,
    maxRetries: 0,
    sniffOnStart: false,
    tls: {
      rejectUnauthorized: cfg.verifyCertificates,
      ...(cfg.caFile ? { ca: readFileSync(cfg.caFile) } : {}),
    },
  };
  if (cfg.auth) {
    if ('username' in cfg.auth) opts.auth = { username: cfg.auth.username, password: cfg.auth.password };
    else if ('apiKey' in cfg.auth) opts.auth = { apiKey: cfg.auth.apiKey };
    else opts.auth = { bearer: cfg.auth.bearer };
  }
  return new Client(opts);
}

/** A host list for logs, without credentials. */
export function describeHosts(hosts: readonly string[]): string {
  return hosts
    .map((h) => {
      try {
        const u = new URL(h);
        u.username = '';
        u.password = '';
        return u.toString().replace(/\/$/, '');
      } catch {
        return h;
      }
    })
    .join(', ');
}
