// The dev cluster's credentials: our own CA (so clients verify the apiserver instead of skipping TLS
// checks), a serving cert for 127.0.0.1/localhost, the service-account signing key and an admin token.
// Kept across restarts of the same dir so a kubeconfig handed out earlier stays valid.
//
// Node can create keys but not X.509 certificates, so certificates come from the openssl CLI.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  saKey: string;
  tokensCsv: string;
  /** Bearer token of the admin user (group system:masters). */
  adminToken: string;
}

function writeKey(path: string): void {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT')
      throw new Error('openssl is not installed; it is needed to create the dev cluster certificates');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? String(err)}`);
  }
}

export function ensurePki(dir: string): ClusterPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    saKey: join(dir, 'sa.key'),
    tokensCsv: join(dir, 'tokens.csv'),
  };
  const days = '3650';
  if (!existsSync(p.caCert)) {
    writeKey(p.caKey);
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        'ca.key',
        '-subj',
        '/CN=kompox-dev-ca',
        '-days',
        days,
        '-out',
        'ca.crt',
      ],
      dir,
    );
  }
  if (!existsSync(p.serverCert))
    // In-cluster names too, so a pod that talks to the "kubernetes" service would verify as well.
    issueCert(dir, 'apiserver', '/CN=kube-apiserver', [
      'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature,keyEncipherment',
    ]);
  if (!existsSync(p.saKey)) writeKey(p.saKey);
  if (!existsSync(p.tokensCsv)) {
    const token = randomBytes(24).toString('hex');
    // token,user,uid,"groups" — the apiserver's static token file format.
    writeFileSync(p.tokensCsv, `${token},kompox-admin,kompox-admin,"system:masters"\n`, { mode: 0o600 });
  }
  const adminToken = readFileSync(p.tokensCsv, 'utf8').split(',')[0]?.trim();
  if (!adminToken) throw new Error(`${p.tokensCsv} holds no token; delete it to have a new one generated`);
  return {
    caCert: p.caCert,
    serverCert: p.serverCert,
    serverKey: p.serverKey,
    saKey: p.saKey,
    tokensCsv: p.tokensCsv,
    adminToken,
  };
}

/**
 * A client certificate signed by the dev CA, kept like the others: `<name>.crt` and `<name>.key` in
 * the PKI dir. The apiserver takes the CN as the user name and each O as a group.
 */
export function ensureClientCert(
  dir: string,
  name: string,
  subject: { cn: string; groups?: string[] },
): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  const subj = `${(subject.groups ?? []).map((g) => `/O=${g}`).join('')}/CN=${subject.cn}`;
  issueCert(dir, name, subj, [
    'extendedKeyUsage=clientAuth',
    'keyUsage=critical,digitalSignature,keyEncipherment',
  ]);
  return { cert, key };
}

/** A new key and a certificate for it, signed by the dev CA: `<name>.key`, `<name>.crt` in `dir`. */
function issueCert(dir: string, name: string, subject: string, extensions: string[]): void {
  writeKey(join(dir, `${name}.key`));
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '3650',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
}
