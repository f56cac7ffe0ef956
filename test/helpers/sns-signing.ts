// A stand-in for SNS's signing key: an RSA key and a self-signed certificate made at test time
// (node cannot make X.509 certificates, openssl can), messages signed with node:crypto exactly
// as SNS signs them, and a fetchHttps that serves the certificate and records every URL asked.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snsStringToSign } from '../../webhook/sns-signature';
import { SNS_CERT_URL } from './webhook-samples';

export interface SnsSigner {
  certPem: string;
  /** Signs with SignatureVersion 1 (SHA1withRSA) or 2 (SHA256withRSA); returns a copy. */
  sign(message: Record<string, unknown>, version?: '1' | '2'): Record<string, unknown>;
  /** Serves the certificate at SNS_CERT_URL and answers any SubscribeURL; records each URL. */
  fetchHttps(url: string): Promise<string>;
  fetched: string[];
}

export function createSnsSigner(): SnsSigner {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'kompox-sns-'));
  let certPem: string;
  try {
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-key',
        keyFile,
        '-subj',
        '/CN=sns.amazonaws.com',
        '-days',
        '2',
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
    certPem = readFileSync(certFile, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const fetched: string[] = [];
  return {
    certPem,
    fetched,
    sign(message, version = '1') {
      const out: Record<string, unknown> = { ...message, SignatureVersion: version };
      const hash = version === '1' ? 'sha1' : 'sha256';
      out.Signature = sign(hash, Buffer.from(snsStringToSign(out), 'utf8'), privateKey).toString('base64');
      return out;
    },
    fetchHttps(url) {
      fetched.push(url);
      if (url === SNS_CERT_URL) return Promise.resolve(certPem);
      if (url.includes('Action=ConfirmSubscription'))
        return Promise.resolve('<ConfirmSubscriptionResponse/>');
      return Promise.reject(new Error(`HTTP 404 for ${url}`));
    },
  };
}
