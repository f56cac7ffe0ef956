// A throwaway OCI API signing key and config file, made at test time, so the oke driver signs
// its requests through the SDK's own config-file chain (OCI_CONFIG_FILE) as it would in a worker.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `key.pem` and `config` (one profile) into `dir`; returns the config file's path. */
export function writeOciConfig(dir: string, profile: string, region: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(dir, 'key.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  // OCI's fingerprint: MD5 of the DER public key, colon-separated.
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const fingerprint = createHash('md5').update(der).digest('hex').match(/../g)!.join(':');
  const config = join(dir, 'config');
  writeFileSync(
    config,
    [
      `[${profile}]`,
      'user=ocid1.user.oc1..kompoxcontract',
      `fingerprint=${fingerprint}`,
      `key_file=${keyFile}`,
      'tenancy=ocid1.tenancy.oc1..kompoxcontract',
      `region=${region}`,
      '',
    ].join('\n'),
  );
  return config;
}
