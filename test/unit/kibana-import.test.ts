import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type net from 'node:net';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { kibanaNdjson } from '../../src/kibana/objects.js';

type Seen = { path: string; xsrf?: string; auth?: string; file?: string; filename?: string };

/**
 * A small stand-in for Kibana's import API: multipart parsing (Node's own Request.formData), the kbn-xsrf
 * header Kibana requires (400 without it), and Kibana's answer shape, with an error for one object on demand.
 */
async function kibana(opts: { failId?: string; status?: number } = {}) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const s: Seen = { path: req.url ?? '', xsrf: req.headers['kbn-xsrf'] as string | undefined, auth: req.headers.authorization };
        seen.push(s);
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (opts.status)
          return reply(opts.status, { statusCode: opts.status, error: 'Unauthorized', message: '[security_exception] unable to authenticate user' });
        if (!s.xsrf) return reply(400, { statusCode: 400, error: 'Bad Request', message: 'Request must contain a kbn-xsrf header.' });
        const form = await new Request('http://x', { method: 'POST', headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) }).formData();
        const file = form.get('file') as File;
        s.file = await file.text();
        s.filename = file.name;
        const objects = s.file
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { type: string; id: string; attributes: { title: string } });
        const ok = objects.filter((o) => o.id !== opts.failId);
        const bad = objects.filter((o) => o.id === opts.failId);
        reply(200, {
          success: bad.length === 0,
          successCount: ok.length,
          successResults: ok.map((o) => ({ type: o.type, id: o.id, meta: { title: o.attributes.title } })),
          ...(bad.length
            ? {
                errors: bad.map((o) => ({
                  type: o.type,
                  id: o.id,
                  title: o.attributes.title,
                  error: { type: 'missing_references', references: [{ type: 'index-pattern', id: 'x' }] },
                })),
              }
            : {}),
        });
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url, seen };
}

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers) await c();
  closers = [];
});

async function cli(argv: string[]) {
  let out = '';
  const sink = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString()), cb()) });
  const code = await main(['node', 'hapbeat', ...argv], { stdout: sink, stderr: sink });
  return { code, out };
}

describe('hapbeat setup --dashboards (Kibana import API)', () => {
  it('posts the NDJSON as a multipart file with kbn-xsrf, into the space, and reports each object', async () => {
    const k = await kibana();
    const r = await cli([
      'setup',
      '--dashboards',
      '-E',
      `setup.kibana.host=${k.url}`,
      '-E',
      'setup.kibana.space=ops',
      '-E',
      'setup.kibana.username=kb',
      '-E',
      'setup.kibana.password=pw',
    ]);
    expect(r.code).toBe(0);
    expect(k.seen).toHaveLength(1);
    expect(k.seen[0]!.path).toBe('/s/ops/api/saved_objects/_import?overwrite=true');
    expect(k.seen[0]!.xsrf).toBeDefined();
    expect(k.seen[0]!.auth).toBe(`Basic ${Buffer.from('kb:pw').toString('base64')}`);
    expect(k.seen[0]!.file).toBe(kibanaNdjson());
    expect(k.seen[0]!.filename).toMatch(/\.ndjson$/);
    const n = kibanaNdjson().trim().split('\n').length;
    expect(r.out.split('\n').filter((l) => l.startsWith('ok    Kibana ')).length).toBe(n);
    expect(r.out).toContain(`Dashboards imported: ${n} saved objects.`);
  });

  it('says which object failed and why, and exits 1', async () => {
    const k = await kibana({ failId: 'hapbeat-overview' });
    const r = await cli(['setup', '--dashboards', '-E', `setup.kibana.host=${k.url}`]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL  Kibana dashboard hapbeat-overview: missing_references');
    expect(r.out).toContain('1 saved object(s) were not imported');
  });

  it('a refused login and a missing host are clear', async () => {
    const k = await kibana({ status: 401 });
    const denied = await cli(['setup', '--dashboards', '-E', `setup.kibana.host=${k.url}`]);
    expect(denied.code).toBe(1);
    expect(denied.out).toContain(
      'Kibana refused the import (401: [security_exception] unable to authenticate user): check setup.kibana.username/password or api_key',
    );
    const none = await cli(['setup', '--dashboards']);
    expect(none.out).toContain('no Kibana host is configured: set setup.kibana.host');
  });
});

describe('hapbeat export (no cluster needed)', () => {
  it('prints templates, the ILM policy and watches as Dev Tools requests, and the dashboards as NDJSON', async () => {
    const t = await cli(['export', 'template']);
    expect(t.code).toBe(0);
    const requests = t.out.split(/\n(?=(?:PUT|POST) )/);
    expect(requests.map((r) => r.split('\n')[0])).toEqual([
      'PUT _component_template/hapbeat-haproxy.stat@mappings',
      'PUT _component_template/hapbeat-haproxy.stat@settings',
      'PUT _index_template/hapbeat-haproxy.stat',
      'PUT _component_template/hapbeat-haproxy.info@mappings',
      'PUT _component_template/hapbeat-haproxy.info@settings',
      'PUT _index_template/hapbeat-haproxy.info',
      'PUT _component_template/hapbeat-haproxy.process@mappings',
      'PUT _component_template/hapbeat-haproxy.process@settings',
      'PUT _index_template/hapbeat-haproxy.process',
    ]);
    for (const r of requests) expect(() => JSON.parse(r.slice(r.indexOf('\n') + 1))).not.toThrow();
    expect((await cli(['export', 'ilm-policy'])).out.split('\n')[0]).toBe('PUT _ilm/policy/hapbeat-metrics');
    expect((await cli(['export', 'dashboards'])).out).toBe(kibanaNdjson());
    const w = await cli(['export', 'watches', '-E', 'watches.thresholds.http_5xx=0.1', '-E', 'watches.actions.webhook_url=https://hooks.example/x']);
    expect(w.out).toContain('PUT _watcher/watch/hapbeat-backend-5xx-share');
    expect(w.out).toContain('"value": 0.1');
    expect(w.out).toContain('"url": "https://hooks.example/x"');
  });

  it('refuses an unknown kind and a bad threshold', async () => {
    expect((await cli(['export', 'everything'])).code).toBe(2);
    const bad = await cli(['export', 'watches', '-E', 'watches.thresholds.servers_down=25']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('shares are from 0 to 1');
  });
});
