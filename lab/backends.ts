import http from 'node:http';
import net from 'node:net';

function listenOn(server: net.Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

export interface Backend {
  port: number;
  /** Requests (http) or connections (blackhole) received. */
  received(): number;
  /** Closes the connections open now (a blackhole's held requests end). */
  dropConnections(): void;
  close(): Promise<void>;
}

/** A tiny HTTP server answering 200 to everything: an "up" server behind HAProxy. */
export async function startHttpBackend(port: number, body = 'ok', status = 200, reason?: string): Promise<Backend> {
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    req.resume();
    const headers = { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) };
    if (reason) res.writeHead(status, reason, headers);
    else res.writeHead(status, headers);
    res.end(body);
  });
  server.keepAliveTimeout = 1000;
  await listenOn(server, port);
  return {
    port,
    received: () => count,
    dropConnections: () => server.closeAllConnections(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and never answers: requests to it stay in flight (and keep old workers alive). */
export async function startBlackhole(port: number): Promise<Backend> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.resume();
  });
  await listenOn(server, port);
  return {
    port,
    received: () => count,
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends `n` sequential HTTP GETs, each on a new connection; resolves with the status codes. */
export async function sendRequests(port: number, n: number, path = '/'): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < n; i++) {
    codes.push(
      await new Promise<number>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
      }),
    );
  }
  return codes;
}

/** Starts a request that will never be answered (to a blackhole backend); returns a function that aborts it. */
export function holdRequest(port: number, path: string): { abort(): void; connected: Promise<void> } {
  const req = http.get({ host: '127.0.0.1', port, path, agent: false });
  req.on('error', () => undefined);
  const connected = new Promise<void>((resolve) => req.on('socket', (s) => s.on('connect', () => resolve())));
  return { abort: () => req.destroy(), connected };
}
