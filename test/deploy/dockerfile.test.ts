import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAUNCH_ENV, NODE_FLAGS } from '../../src/launch-settings.js';

/** One Dockerfile instruction, continuation lines joined. */
interface Instruction {
  op: string;
  args: string;
}

/** Parses a Dockerfile into instructions (comments dropped, backslash continuations joined); throws on garbage. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(whole);
    if (!m) throw new Error(`not a Dockerfile instruction: ${whole}`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
  }
  if (pending !== '') throw new Error('the Dockerfile ends inside a continued line');
  return out;
}

const KNOWN = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

const all = parseDockerfile(readFileSync('Dockerfile', 'utf8'));
const froms = all.map((x, i) => (x.op === 'FROM' ? i : -1)).filter((i) => i >= 0);
const final = all.slice(froms.at(-1)!);
const build = all.slice(froms[0], froms[1]);
const one = (op: string) => final.filter((x) => x.op === op);
const json = (s: string) => JSON.parse(s) as string[];

/**
 * The Dockerfile's properties, asserted without a Docker engine (and without hadolint, which no registry here
 * offers): a multi-stage build, a small final stage with production dependencies only, a non-root user, a
 * data volume, signals straight to node, and a real health check.
 */
describe('Dockerfile', () => {
  it('parses, and uses only real instructions', () => {
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((x) => !KNOWN.has(x.op))).toEqual([]);
    expect(() => parseDockerfile('FROM x\nRUN a \\')).toThrow(/continued line/);
    expect(() => parseDockerfile('FROM x\n!!!')).toThrow(/not a Dockerfile instruction/);
  });

  it('is multi-stage: the build stage compiles, the final stage takes dist/ from it and never the sources', () => {
    expect(froms).toHaveLength(2);
    expect(all[froms[0]!]!.args).toMatch(/^node:20-[a-z-]+ AS build$/);
    expect(all[froms[1]!]!.args).toMatch(/^node:20-[a-z-]+$/); // a pinned major, never latest
    expect(build.some((x) => x.op === 'RUN' && /npm ci\b/.test(x.args) && /npm run build/.test(x.args))).toBe(true);
    const copies = one('COPY').map((x) => x.args);
    expect(copies).toContain('--from=build /build/dist ./dist');
    expect(copies.filter((c) => /\bsrc\b|tsconfig|test|bench|lab/.test(c))).toEqual([]);
    expect(one('RUN').some((x) => /npm ci --omit=dev\b/.test(x.args))).toBe(true);
  });

  it('runs as a dedicated non-root user, with the data directory as a volume it owns', () => {
    const users = one('USER').map((x) => x.args);
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
    const volume = json(one('VOLUME')[0]!.args);
    expect(volume).toEqual(['/var/lib/hapbeat']);
    const env = one('ENV')
      .map((x) => x.args)
      .join(' ');
    expect(env).toContain('HAPBEAT_PATH_DATA=/var/lib/hapbeat');
    for (const [k, v] of Object.entries(LAUNCH_ENV)) expect(env).toContain(`${k}=${v}`);
    // The directory exists and belongs to that user before USER switches to it.
    const userAt = final.findIndex((x) => x.op === 'USER');
    expect(final.slice(0, userAt).some((x) => x.op === 'RUN' && /chown hapbeat:hapbeat \/var\/lib\/hapbeat/.test(x.args))).toBe(true);
  });

  it('hands signals to node (exec form, SIGTERM) and checks health with hapbeat health, not a constant', () => {
    const entry = json(one('ENTRYPOINT')[0]!.args);
    // node with hapbeat's launch settings (src/launch-settings.ts): its flags here, its variables in ENV.
    expect(entry).toEqual(['node', ...NODE_FLAGS, '/opt/hapbeat/bin/hapbeat.js']);
    expect(one('STOPSIGNAL')[0]!.args).toBe('SIGTERM');
    const hc = one('HEALTHCHECK')[0]!.args;
    const cmd = json(hc.slice(hc.indexOf('CMD ') + 4));
    expect(cmd).toEqual(['node', '/opt/hapbeat/bin/hapbeat.js', 'health']);
    expect(hc).toMatch(/--interval=\d+s/);
    expect(hc).toMatch(/--start-period=\d+s/);
  });

  it('.dockerignore keeps the build context small: no node_modules, dist, caches, tests or git', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const p of ['node_modules', 'dist', '.cache', 'test', '.git']) expect(ignored).toContain(p);
  });
});
