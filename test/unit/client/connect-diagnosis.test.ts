// The handshake and authorizer failures the integration test meets, each worded with its fix;
// whatever is not one of them stays "cannot reach" (exit 3).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConnectFailure, isAuthRefusal } from '../../../client/connect-diagnosis';

const ADDRESS = '127.0.0.1:7233';
const mtls = {
  tls: {
    serverRootCACertificate: Buffer.from('ca'),
    clientCertPair: { crt: Buffer.from('c'), key: Buffer.from('k') },
  },
};
const timeout = new Error('Failed to connect before the deadline');

void describe('describeConnectFailure', () => {
  void it('words each TLS handshake failure with its fix', () => {
    const cases: [object, string, RegExp][] = [
      [mtls, 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', /refused the client certificate: it has expired/],
      [mtls, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not signed by the CA of --tls-ca \(wrong CA\?\)/],
      [
        { tls: {} },
        'SELF_SIGNED_CERT_IN_CHAIN',
        /not signed by a CA this machine trusts; give its CA with --tls-ca/,
      ],
      [mtls, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', /does not trust the client certificate of --tls-cert/],
      [
        { tls: { serverRootCACertificate: Buffer.from('ca') } },
        'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
        /requires a client certificate \(mTLS\)/,
      ],
      [mtls, 'ERR_TLS_CERT_ALTNAME_INVALID', /--tls-server-name/],
      [mtls, 'ERR_SSL_WRONG_VERSION_NUMBER', /does not speak TLS; leave out the TLS options/],
      [mtls, 'CERT_HAS_EXPIRED', /the server's certificate has expired/],
    ];
    for (const [security, probe, message] of cases) {
      const f = describeConnectFailure(ADDRESS, security, timeout, probe);
      assert.equal(f.kind, 'refused', probe);
      assert.match(f.message, message, probe);
      assert.match(f.message, /Temporal at 127\.0\.0\.1:7233/, probe);
    }
  });

  void it('a plaintext client learns the server wants TLS, and with client certificates', () => {
    assert.match(
      describeConnectFailure(ADDRESS, {}, timeout, undefined, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')
        .message,
      /requires TLS with a client certificate \(mTLS\): give --tls-ca, --tls-cert and --tls-key/,
    );
    assert.match(
      describeConnectFailure(ADDRESS, {}, timeout, undefined, 'ok').message,
      /requires TLS: give --tls-ca/,
    );
  });

  void it('the authorizer: a missing key, a refused key (also when wrapped by the client)', () => {
    const denied = Object.assign(new Error('Request unauthorized.'), { code: 7 });
    const wrapped = new Error('Failed to connect to Temporal server', {
      cause: Object.assign(new Error('Jwt verification failed'), { code: 16 }),
    });
    assert.ok(isAuthRefusal(wrapped));
    const native = new Error(
      'Namespace default was not found or otherwise could not be described: Status { code: PermissionDenied, message: "Request unauthorized.", details: b"" }',
    );
    assert.ok(isAuthRefusal(native));
    assert.match(
      describeConnectFailure(ADDRESS, mtls, native, undefined).message,
      /requires an API key and none was given: .*\(server said: Request unauthorized\.\)$/,
    );
    assert.ok(!isAuthRefusal(new Error('Status { code: Unavailable, message: "x" }')));
    assert.match(
      describeConnectFailure(ADDRESS, mtls, denied, undefined).message,
      /requires an API key and none was given: set TEMPORAL_API_KEY/,
    );
    const refused = describeConnectFailure(ADDRESS, { ...mtls, apiKey: 'k' }, wrapped, undefined);
    assert.equal(refused.kind, 'refused');
    assert.match(refused.message, /refused the API key: .*\(server said: Jwt verification failed\)/);
  });

  void it('nothing answering is unreachable (exit 3), naming the address', () => {
    for (const probe of [undefined, 'ECONNREFUSED']) {
      const f = describeConnectFailure(ADDRESS, mtls, timeout, probe);
      assert.equal(f.kind, 'unreachable');
      assert.match(
        f.message,
        /^cannot reach Temporal at 127\.0\.0\.1:7233: Failed to connect before the deadline/,
      );
    }
    assert.equal(describeConnectFailure(ADDRESS, {}, timeout, undefined, 'ECONNREFUSED').kind, 'unreachable');
  });
});
