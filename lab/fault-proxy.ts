import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type net from 'node:net';

/** What to do with one `_bulk` request. */
export type Fault =
  | { kind: 'pass' }
  /** Answer with this status without forwarding (nothing is indexed). */
  | { kind: 'status'; status: number }
  /** Forward, then mark every `nth` item 429 in the answer (Elasticsearch did index them). */
  | { kind: 'items429'; nth: number }
  /** Forward, then hold the answer this long (past the client's timeout). */
  | { kind: 'slow'; ms: number }
  /** Forward, let Elasticsearch process it, then reset the client's connection without an answer. */
  | { kind: 'reset' }
  /** Answer 413 (request too large) when the request holds more than `items` documents. */
  | { kind: 'maxItems'; items: number }
  /** Never answer and never forward (a cluster that hangs). */
  | { kind: 'hang' };

/**
 * A small fault-injecting HTTP proxy in front of the real Elasticsearch, on a free loopback port. Requests
 * other than _bulk pass through; each _bulk request gets the fault `plan(n)` returns for its number n.
 */
export class FaultProxy {
  private server!: http.Server;
  port = 0;
  bulkRequests = 0;
  readonly applied: string[] = [];
  /**
   * How the last _bulk request bodies came: their content-encoding, and for gzip the XFL byte of the header
   * (4: the fastest level, 1; 0: the default level, 6; 2: the best).
   */
  readonly bulkEncodings: string[] = [];
  /** The answers to the last _bulk requests, as the client got them (at most 20). */
  readonly bulkAnswers: string[] = [];
  /** When set, every request (not only _bulk) is answered with this status: a cluster refusing hapbeat's credentials. */
  everything?: number;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly target: string,
    public plan: (n: number) => Fault,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (this.everything !== undefined) {
      res.writeHead(this.everything, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({ error: { type: 'security_exception', reason: `fault proxy answered ${this.everything}` }, status: this.everything }));
      return;
    }
    const isBulk = req.method === 'POST' && (req.url ?? '').split('?')[0]!.endsWith('/_bulk');
    const fault: Fault = isBulk ? this.plan(++this.bulkRequests) : { kind: 'pass' };
    if (isBulk) {
      this.applied.push(fault.kind);
      const enc = req.headers['content-encoding'] ?? 'identity';
      this.bulkEncodings.push(enc === 'gzip' ? `gzip xfl=${body[8]}` : enc);
      if (this.bulkEncodings.length > 20) this.bulkEncodings.shift();
    }
    const plain = () => (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
    if (fault.kind === 'maxItems' && plain().trim().split('\n').length / 2 > fault.items) {
      this.applied.push('413');
      res.writeHead(413, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({ error: { type: 'content_too_long', reason: 'injected by the fault proxy' }, status: 413 }));
      return;
    }
    if (fault.kind === 'hang') return;
    if (fault.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({ error: { type: 'injected', reason: `fault proxy answered ${fault.status}` }, status: fault.status }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && !['host', 'accept-encoding', 'content-length', 'connection'].includes(k)) headers[k] = v;
    const upstream = await fetch(`${this.target}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined });
    let text = await upstream.text();
    if (fault.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault.kind === 'items429') {
      const j = JSON.parse(text) as { errors: boolean; items: Record<string, { status: number; error?: unknown }>[] };
      j.items.forEach((item, i) => {
        if (i % fault.nth === 0) {
          const op = Object.values(item)[0]!;
          op.status = 429;
          op.error = { type: 'es_rejected_execution_exception', reason: 'injected by the fault proxy' };
          j.errors = true;
        }
      });
      text = JSON.stringify(j);
    }
    if (isBulk) {
      this.bulkAnswers.push(text);
      if (this.bulkAnswers.length > 20) this.bulkAnswers.shift();
    }
    if (res.destroyed) return;
    const out: Record<string, string> = { 'content-type': upstream.headers.get('content-type') ?? 'application/json' };
    const product = upstream.headers.get('x-elastic-product');
    if (product) out['x-elastic-product'] = product;
    res.writeHead(upstream.status, out);
    res.end(text);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
