// Credentials: a bearer token, basic auth, or both; anything else is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { challenges, createAuthenticator, parseBasicAuth } from '../../../webhook/credentials';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

void describe('webhook credentials', () => {
  void it('accepts the configured token or user:password, and nothing else', () => {
    const auth = createAuthenticator({ bearerToken: 't0ken', basicAuth: { user: 'sns', password: 'p:w' } });
    assert.ok(auth('Bearer t0ken'));
    assert.ok(auth('bearer t0ken'));
    assert.ok(auth(basic('sns:p:w')));
    for (const h of [
      undefined,
      '',
      'Bearer t0ke',
      'Bearer t0ken2',
      'Bearer',
      basic('sns:p:W'),
      basic('SNS:p:w'),
      'Token t0ken',
    ])
      assert.equal(auth(h), false, String(h));
  });

  void it('does not take a token as basic auth, nor basic auth when only a token is configured', () => {
    const tokenOnly = createAuthenticator({ bearerToken: 't0ken' });
    assert.equal(tokenOnly(basic('t0ken')), false);
    assert.equal(tokenOnly(basic('x:t0ken')), false);
    assert.deepEqual(challenges({ bearerToken: 't' }), ['Bearer realm="kompox-webhook"']);
  });

  void it('reads user:password, the password possibly holding colons', () => {
    assert.deepEqual(parseBasicAuth('sns:a:b'), { user: 'sns', password: 'a:b' });
    assert.equal(parseBasicAuth('nocolon'), undefined);
    assert.equal(parseBasicAuth(':pw'), undefined);
    assert.equal(parseBasicAuth('user:'), undefined);
  });
});
