// Certificates made with openssl at test time, for a Temporal frontend that requires mTLS: a CA,
// a server certificate for 127.0.0.1/localhost, a client certificate, a client certificate that
// expired in 2020, and a second CA with a client of its own that the server does not trust.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertPair {
  cert: string;
  key: string;
}

export interface TestPki {
  ca: string;
  server: CertPair;
  client: CertPair;
  expiredClient: CertPair;
  /** An unrelated CA: as --tls-ca it cannot verify the server. */
  otherCa: string;
  /** A client certificate issued by the unrelated CA: the server does not trust it. */
  otherClient: CertPair;
}

function openssl(cwd: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr || String(err)}`);
  }
}

function makeCa(dir: string, name: string): CertPair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    pair.key,
    '-out',
    pair.cert,
    '-days',
    '2',
    '-subj',
    `/CN=Kompox test ${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return pair;
}

/**
 * A certificate signed by `ca` through `openssl ca`, the one OpenSSL 3.0 command that takes
 * explicit validity dates (an expired certificate needs them).
 */
function issue(
  dir: string,
  ca: CertPair,
  name: string,
  ext: string,
  dates: { start: string; end: string } | { days: number },
): CertPair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    pair.key,
    '-out',
    csr,
    '-subj',
    `/CN=${name}`,
  ]);
  const db = join(dir, `${name}.db`);
  mkdirSync(db, { recursive: true });
  writeFileSync(join(db, 'index.txt'), '');
  const conf = join(db, 'ca.cnf');
  writeFileSync(
    conf,
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `dir = ${db}`,
      `database = ${join(db, 'index.txt')}`,
      `new_certs_dir = ${db}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = none',
      'rand_serial = yes',
      '[any]',
      'commonName = supplied',
      '[ext]',
      ext,
      '',
    ].join('\n'),
  );
  openssl(dir, [
    'ca',
    '-batch',
    '-config',
    conf,
    '-cert',
    ca.cert,
    '-keyfile',
    ca.key,
    '-in',
    csr,
    '-out',
    pair.cert,
    '-extensions',
    'ext',
    '-notext',
    ...('days' in dates ? ['-days', String(dates.days)] : ['-startdate', dates.start, '-enddate', dates.end]),
  ]);
  return pair;
}

const SERVER_EXT =
  'basicConstraints = CA:FALSE\nkeyUsage = digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth,clientAuth\nsubjectAltName = IP:127.0.0.1,DNS:localhost';
const CLIENT_EXT =
  'basicConstraints = CA:FALSE\nkeyUsage = digitalSignature,keyEncipherment\nextendedKeyUsage = clientAuth';

export function makeTestPki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  const ca = makeCa(dir, 'ca');
  const other = makeCa(dir, 'other-ca');
  return {
    ca: ca.cert,
    // The server's certificate also serves its own system worker as a client.
    server: issue(dir, ca, 'server', SERVER_EXT, { days: 2 }),
    client: issue(dir, ca, 'client', CLIENT_EXT, { days: 2 }),
    expiredClient: issue(dir, ca, 'expired-client', CLIENT_EXT, {
      start: '20200101000000Z',
      end: '20200102000000Z',
    }),
    otherCa: other.cert,
    otherClient: issue(dir, other, 'other-client', CLIENT_EXT, { days: 2 }),
  };
}
