import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Behaviour = (sock: net.Socket, command: string) => void;

/**
 * A unix socket server that reads one command line per connection and behaves as told (a scripted HAProxy CLI).
 * Like the master, it treats `;quit` as a command of its own: `behave` gets the line without it, and `lines`
 * keeps each line as sent.
 */
export async function fakeServer(behave: Behaviour) {
  const lines: string[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-fake-'));
  const sockPath = path.join(dir, 'fake.sock');
  const conns = new Set<net.Socket>();
  // allowHalfOpen: like HAProxy's master, the server does not close when the client half-closes.
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0 && !(s as unknown as { handled?: boolean }).handled) {
        (s as unknown as { handled?: boolean }).handled = true;
        const line = buf.slice(0, nl);
        lines.push(line);
        behave(s, line.replace(/;quit$/, ''));
      }
    });
  });
  await new Promise<void>((r) => server.listen(sockPath, () => r()));
  return {
    path: sockPath,
    lines,
    /**
     * Connections the server still holds whose client has not closed. A half-open server learns that the
     * client closed only when it writes, so write a byte to each and let EPIPE close the dead ones.
     */
    open: async () => {
      for (const c of conns) c.write('\n', () => undefined);
      await new Promise((r) => setTimeout(r, 50));
      return conns.size;
    },
    close: async () => {
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
