import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { redactDeep, redactText, redactUrl, splitCredentials } from '../../src/redact.js';

const secretChars = fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=%-]{6,20}$/);

describe('URL credentials are masked wherever a URL appears in text', () => {
  it('any user:password in any http(s) URL inside any text disappears', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https'),
        fc.stringMatching(/^[a-z]{1,8}$/),
        secretChars,
        fc.string(),
        fc.string(),
        (scheme, user, pw, before, after) => {
          const secret = `S3${pw}`;
          const text = `${before} ${scheme}://${user}:${secret}@127.0.0.1:9200/x ${after}`;
          const out = redactText(text);
          expect(out).not.toContain(`${user}:${secret}`);
          expect(out).toContain(`${scheme}://***@127.0.0.1:9200/x`);
        },
      ),
    );
  });

  it('leaves text without user-info alone (e-mail addresses included)', () => {
    expect(redactText('connect ECONNREFUSED 127.0.0.1:9200 (ops@example.com)')).toBe('connect ECONNREFUSED 127.0.0.1:9200 (ops@example.com)');
    expect(redactUrl('http://127.0.0.1:8404/stats')).toBe('http://127.0.0.1:8404/stats');
  });

  it('walks objects and arrays', () => {
    expect(redactDeep({ a: ['http://u:p@h:1/'], b: { c: 'x http://u:p@h:1/ y' }, n: 3 })).toEqual({
      a: ['http://***@h:1/'],
      b: { c: 'x http://***@h:1/ y' },
      n: 3,
    });
  });

  it('splits credentials off a URL, decoded', () => {
    expect(splitCredentials('https://el%40stic:p%3Aw@es:9200/')).toEqual({ url: 'https://es:9200/', username: 'el@stic', password: 'p:w' });
  });
});

describe('a raw "@" inside a password', () => {
  it('is masked with the rest of the user-info', () => {
    expect(redactText('GET http://admin:p@ss@10.0.0.1/stats failed')).toBe('GET http://***@10.0.0.1/stats failed');
  });
});
