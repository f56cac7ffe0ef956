// How a Kompox process (CLI, worker, webhook receiver) secures its connection to Temporal: mTLS
// certificates and an API key (a Temporal Cloud key, or a JWT for a self-hosted server's
// authorizer). Each setting comes from a flag, else the Temporal CLI's environment variable, else
// the worker configuration file; every file is read before anything connects, and a problem names
// the file and where it was set. The API key never has to be on a command line (`ps` shows those):
// TEMPORAL_API_KEY or --api-key-file do as well.
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { readFileSync } from 'node:fs';

/** The flags, as commander hands them over (the Temporal CLI's `-path` spellings included). */
export interface TemporalSecurityFlags {
  tlsCert?: string;
  tlsCertPath?: string;
  tlsKey?: string;
  tlsKeyPath?: string;
  tlsCa?: string;
  tlsCaPath?: string;
  tlsServerName?: string;
  apiKey?: string;
  apiKeyFile?: string;
}

/** The worker configuration file's `temporal:` security settings (paths already absolute). */
export interface TemporalFileSecurity {
  /** Where these came from, e.g. `worker config /etc/kompox/worker.yml`. */
  source: string;
  tls?: { cert?: string; key?: string; ca?: string; serverName?: string };
  apiKeyFile?: string;
}

/** What @temporalio/client's Connection and @temporalio/worker's NativeConnection take. */
export interface TemporalSecurity {
  tls?: TLSConfig;
  apiKey?: string;
}

/** The Temporal CLI's names (v1.5.1), then its environment-config names for the same settings. */
export const SECURITY_ENV = {
  cert: ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_CLIENT_CERT_PATH'],
  key: ['TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CLIENT_KEY_PATH'],
  ca: ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'],
  serverName: ['TEMPORAL_TLS_SERVER_NAME'],
  apiKey: ['TEMPORAL_API_KEY'],
} as const;

export class TemporalSecurityError extends Error {
  override readonly name = 'TemporalSecurityError';
}

interface Setting {
  value: string;
  /** `--tls-cert`, `TEMPORAL_TLS_CERT`, `worker config F: temporal.tls.cert`. */
  from: string;
}

function pick(
  flags: [string | undefined, string][],
  envNames: readonly string[],
  env: NodeJS.ProcessEnv,
  file: [string | undefined, string] | undefined,
): Setting | undefined {
  for (const [value, from] of flags) if (value) return { value, from };
  for (const name of envNames) {
    const value = env[name];
    if (value) return { value, from: name };
  }
  if (file?.[0]) return { value: file[0], from: file[1] };
  return undefined;
}

function readSetting(s: Setting, what: string): Buffer {
  try {
    const data = readFileSync(s.value);
    if (data.length === 0) throw new TemporalSecurityError(`${s.from} ${s.value}: the ${what} file is empty`);
    return data;
  } catch (err) {
    if (err instanceof TemporalSecurityError) throw err;
    throw new TemporalSecurityError(
      `${s.from} ${s.value}: cannot read the ${what} file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
}

const PEM = /-----BEGIN [A-Z0-9 ]+-----/;

/** A PEM file's bytes; a TemporalSecurityError naming `from` (the option) and the file otherwise. */
export function readPemFile(path: string, from: string, what: string): Buffer {
  return readPem({ value: path, from }, what);
}

function readPem(s: Setting, what: string): Buffer {
  const data = readSetting(s, what);
  if (!PEM.test(data.toString('latin1')))
    throw new TemporalSecurityError(`${s.from} ${s.value}: not a PEM file; expected the ${what} in PEM form`);
  return data;
}

/**
 * The connection's TLS and API key from flags, then environment, then the worker configuration
 * file. No setting at all: a plaintext connection, as before. Any setting: TLS (as the Temporal
 * CLI does; a Cloud API key needs it too).
 */
export function resolveTemporalSecurity(
  flags: TemporalSecurityFlags,
  env: NodeJS.ProcessEnv = process.env,
  file?: TemporalFileSecurity,
): TemporalSecurity {
  const inFile = (value: string | undefined, key: string): [string | undefined, string] | undefined =>
    file ? [value, `${file.source}: temporal.${key}`] : undefined;
  const cert = pick(
    [
      [flags.tlsCert, '--tls-cert'],
      [flags.tlsCertPath, '--tls-cert-path'],
    ],
    SECURITY_ENV.cert,
    env,
    inFile(file?.tls?.cert, 'tls.cert'),
  );
  const key = pick(
    [
      [flags.tlsKey, '--tls-key'],
      [flags.tlsKeyPath, '--tls-key-path'],
    ],
    SECURITY_ENV.key,
    env,
    inFile(file?.tls?.key, 'tls.key'),
  );
  const ca = pick(
    [
      [flags.tlsCa, '--tls-ca'],
      [flags.tlsCaPath, '--tls-ca-path'],
    ],
    SECURITY_ENV.ca,
    env,
    inFile(file?.tls?.ca, 'tls.ca'),
  );
  const serverName = pick(
    [[flags.tlsServerName, '--tls-server-name']],
    SECURITY_ENV.serverName,
    env,
    inFile(file?.tls?.serverName, 'tls.serverName'),
  );
  if (flags.apiKey && flags.apiKeyFile)
    throw new TemporalSecurityError('give --api-key or --api-key-file, not both');
  const apiKeyFile = pick(
    [[flags.apiKeyFile, '--api-key-file']],
    [],
    env,
    inFile(file?.apiKeyFile, 'apiKeyFile'),
  );
  const apiKeyValue = pick([[flags.apiKey, '--api-key']], SECURITY_ENV.apiKey, env, undefined);

  if (cert && !key)
    throw new TemporalSecurityError(
      `${cert.from} is set but no client key: give the certificate's private key with --tls-key (or ${SECURITY_ENV.key[0]})`,
    );
  if (key && !cert)
    throw new TemporalSecurityError(
      `${key.from} is set but no client certificate: give it with --tls-cert (or ${SECURITY_ENV.cert[0]})`,
    );
  // A flag or the environment outranks the file; the file's key is read only when nothing else set one.
  let apiKey: string | undefined;
  if (apiKeyValue && !(apiKeyFile && apiKeyFile.from === '--api-key-file')) apiKey = apiKeyValue.value.trim();
  else if (apiKeyFile) apiKey = readSetting(apiKeyFile, 'API key').toString('utf8').trim();
  if (apiKeyFile && apiKey === '')
    throw new TemporalSecurityError(`${apiKeyFile.from} ${apiKeyFile.value}: the API key file is empty`);

  if (!cert && !ca && !serverName && apiKey === undefined) return {};
  const tls: TLSConfig = {
    ...(cert && key
      ? { clientCertPair: { crt: readPem(cert, 'client certificate'), key: readPem(key, 'client key') } }
      : {}),
    ...(ca ? { serverRootCACertificate: readPem(ca, 'CA certificate') } : {}),
    ...(serverName ? { serverNameOverride: serverName.value } : {}),
  };
  return { tls, ...(apiKey !== undefined ? { apiKey } : {}) };
}
