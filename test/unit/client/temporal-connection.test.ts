// Where a connection's TLS and API key come from (flag, then the Temporal CLI's variables, then
// the worker configuration), and the refusals that name the setting and the file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TemporalSecurityError, resolveTemporalSecurity } from '../../../client/temporal-connection';

const dir = mkdtempSync(join(tmpdir(), 'kompox-tls-unit-'));
const pem = (name: string, body: string) => {
  const file = join(dir, name);
  writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
  return file;
};
const flagCert = pem('flag.crt', 'flag');
const envCert = pem('env.crt', 'env');
const fileCert = pem('file.crt', 'file');
const key = pem('client.key', 'key');
const ca = pem('ca.crt', 'ca');
const text = (b?: Uint8Array) => Buffer.from(b ?? new Uint8Array()).toString();

void describe('resolveTemporalSecurity', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('no setting anywhere: plaintext, as before', () => {
    assert.deepEqual(resolveTemporalSecurity({}, {}), {});
  });

  void it('a flag outranks the environment, which outranks the worker configuration', () => {
    const file = { source: 'worker config /w.yml', tls: { cert: fileCert, key, ca } };
    const env = { TEMPORAL_TLS_CERT: envCert, TEMPORAL_TLS_KEY: key };
    assert.match(
      text(resolveTemporalSecurity({ tlsCert: flagCert }, env, file).tls?.clientCertPair?.crt),
      /flag/,
    );
    assert.match(text(resolveTemporalSecurity({}, env, file).tls?.clientCertPair?.crt), /env/);
    const fromFile = resolveTemporalSecurity({}, {}, file).tls;
    assert.match(text(fromFile?.clientCertPair?.crt), /file/);
    assert.match(text(fromFile?.serverRootCACertificate), /ca/);
  });

  void it("accepts the Temporal CLI's spellings: --tls-*-path and TEMPORAL_TLS_CLIENT_*_PATH", () => {
    const viaFlags = resolveTemporalSecurity({ tlsCertPath: flagCert, tlsKeyPath: key, tlsCaPath: ca }, {});
    assert.match(text(viaFlags.tls?.clientCertPair?.crt), /flag/);
    assert.match(text(viaFlags.tls?.serverRootCACertificate), /ca/);
    const viaEnv = resolveTemporalSecurity(
      {},
      {
        TEMPORAL_TLS_CLIENT_CERT_PATH: envCert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: key,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com',
      },
    );
    assert.match(text(viaEnv.tls?.clientCertPair?.crt), /env/);
    assert.equal(viaEnv.tls?.serverNameOverride, 'temporal.example.com');
  });

  void it('an API key turns TLS on (as the Temporal CLI does); --api-key-file beats TEMPORAL_API_KEY', () => {
    const keyFile = join(dir, 'api-key');
    writeFileSync(keyFile, 'from-file\n');
    assert.deepEqual(resolveTemporalSecurity({}, { TEMPORAL_API_KEY: 'from-env' }), {
      tls: {},
      apiKey: 'from-env',
    });
    assert.equal(
      resolveTemporalSecurity({ apiKeyFile: keyFile }, { TEMPORAL_API_KEY: 'from-env' }).apiKey,
      'from-file',
    );
    // The configuration's file counts only when neither a flag nor the environment gives a key.
    const file = { source: 'worker config /w.yml', apiKeyFile: keyFile };
    assert.equal(resolveTemporalSecurity({}, { TEMPORAL_API_KEY: 'from-env' }, file).apiKey, 'from-env');
    assert.equal(resolveTemporalSecurity({}, {}, file).apiKey, 'from-file');
  });

  void it('refuses half a key pair, unreadable, empty and non-PEM files, naming the setting and file', () => {
    const refused = (f: () => unknown, message: RegExp) =>
      assert.throws(f, (err: unknown) => err instanceof TemporalSecurityError && message.test(err.message));
    refused(
      () => resolveTemporalSecurity({ tlsCert: flagCert }, {}),
      /^--tls-cert is set but no client key: .*--tls-key/,
    );
    refused(
      () => resolveTemporalSecurity({}, { TEMPORAL_TLS_KEY: key }),
      /^TEMPORAL_TLS_KEY is set but no client certificate/,
    );
    refused(
      () => resolveTemporalSecurity({ tlsCa: join(dir, 'nope.pem') }, {}),
      /^--tls-ca .*nope\.pem: cannot read the CA certificate file \(ENOENT\)$/,
    );
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    refused(() => resolveTemporalSecurity({ tlsCa: notPem }, {}), /^--tls-ca .*not\.pem: not a PEM file/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    refused(
      () => resolveTemporalSecurity({ apiKeyFile: empty }, {}),
      /^--api-key-file .*empty: the API key file is empty$/,
    );
    refused(
      () =>
        resolveTemporalSecurity({}, {}, { source: 'worker config /w.yml', tls: { ca: join(dir, 'gone') } }),
      /^worker config \/w\.yml: temporal\.tls\.ca .*gone: cannot read/,
    );
    refused(
      () => resolveTemporalSecurity({ apiKey: 'a', apiKeyFile: empty }, {}),
      /--api-key or --api-key-file, not both/,
    );
  });
});
