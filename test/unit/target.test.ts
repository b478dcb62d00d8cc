import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseTarget, TargetAddressError, redactUrl } from '../../src/haproxy/target.js';

describe('parseTarget', () => {
  it.each([
    ['/run/haproxy-master.sock', { kind: 'unix', path: '/run/haproxy-master.sock' }, 'master'],
    ['unix@/run/h.sock', { kind: 'unix', path: '/run/h.sock' }, 'master'],
    ['unix:///run/h.sock', { kind: 'unix', path: '/run/h.sock' }, 'master'],
    ['./rel.sock', { kind: 'unix', path: './rel.sock' }, 'master'],
    ['127.0.0.1:9999', { kind: 'tcp', host: '127.0.0.1', port: 9999 }, 'master'],
    ['ipv4@127.0.0.1:9999', { kind: 'tcp', host: '127.0.0.1', port: 9999 }, 'master'],
    ['ipv6@[::1]:9999', { kind: 'tcp', host: '::1', port: 9999 }, 'master'],
    ['[::1]:1', { kind: 'tcp', host: '::1', port: 1 }, 'master'],
    ['tcp://localhost:14567', { kind: 'tcp', host: 'localhost', port: 14567 }, 'master'],
    ['socket:/run/haproxy/admin.sock', { kind: 'unix', path: '/run/haproxy/admin.sock' }, 'socket'],
    ['socket:127.0.0.1:9999', { kind: 'tcp', host: '127.0.0.1', port: 9999 }, 'socket'],
    ['http://127.0.0.1:8404/stats', { kind: 'http', url: 'http://127.0.0.1:8404/stats' }, 'http'],
  ])('%s', (input, endpoint, mode) => {
    const t = parseTarget(input);
    expect(t.endpoint).toEqual(endpoint);
    expect(t.mode).toBe(mode);
    expect(t.address).toBe(input);
    expect(t.name).toBe(input);
  });

  it.each([
    ['', 'it is empty'],
    ['   ', 'it is empty'],
    ['localhost', 'neither a socket path'],
    ['127.0.0.1:0', 'port 0 is outside 1-65535'],
    ['127.0.0.1:70000', 'port 70000 is outside'],
    ['ftp://host:21', 'the scheme ftp:// is not supported'],
    ['unix@', 'the socket path is empty'],
    ['/a\nb', 'control character'],
    ['socket:http://x:1/', 'cannot apply'],
  ])('rejects %j with a clear message', (input, why) => {
    expect(() => parseTarget(input)).toThrow(TargetAddressError);
    expect(() => parseTarget(input)).toThrow(why);
    try {
      parseTarget(input);
    } catch (e) {
      expect((e as TargetAddressError).code).toBe('HAPBEAT_ERR_TARGET_ADDRESS_INVALID');
      expect((e as Error).message).toContain('use a socket path');
    }
  });

  it('rejects mode http for a socket', () => {
    expect(() => parseTarget('/x.sock', { mode: 'http' })).toThrow('needs an http:// or https:// URL');
  });

  it('never throws anything but TargetAddressError on random input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        try {
          parseTarget(s);
        } catch (e) {
          expect(e).toBeInstanceOf(TargetAddressError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('redacts credentials', () => {
    expect(redactUrl('http://admin:secret@127.0.0.1:1/stats')).toBe('http://***@127.0.0.1:1/stats'); // the whole user-info, user name too
  });
});

describe('credentials in a stats page URL', () => {
  it('are split off: the name and the address (service.name, service.address) never hold them', () => {
    const t = parseTarget('http://admin:p%40ss@127.0.0.1:8404/stats');
    expect(t.address).toBe('http://127.0.0.1:8404/stats');
    expect(t.name).toBe('http://127.0.0.1:8404/stats');
    expect(t.endpoint).toEqual({ kind: 'http', url: 'http://127.0.0.1:8404/stats', username: 'admin', password: 'p@ss' });
    expect(parseTarget('http://127.0.0.1:8404/stats').address).toBe('http://127.0.0.1:8404/stats');
  });

  it('never appear in an address error', () => {
    expect(() => parseTarget('http://admin:hunter2@/stats')).toThrow('invalid HAProxy target address "http://***@/stats"');
  });
});
