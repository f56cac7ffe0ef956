// How every command finds Temporal: --temporal-address, then TEMPORAL_ADDRESS, then the
// running dev stack; and secures the connection (--tls-*, --api-key(-file), TEMPORAL_TLS_*,
// TEMPORAL_API_KEY: client/temporal-connection). Every client encrypts its payloads (client/codec), so a command that talks
// to Temporal needs the codec keys: KOMPOX_CODEC_KEY(_FILE), else the dev stack's key file.
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadDataConverter } from '../client/codec/data-converter';
import { CodecKeyError } from '../client/codec/key-ring';
import { devDir } from '../dev/dev-dir';
import { devStackStatus } from '../dev/dev-stack';
import {
  type TemporalFileSecurity,
  type TemporalSecurity,
  type TemporalSecurityFlags,
  TemporalSecurityError,
  resolveTemporalSecurity,
} from '../client/temporal-connection';
import { NAMESPACE } from '../workers/dev-stack-constants';
import { CliError, EXIT, usageError } from './exit-codes';

export interface TemporalOptions extends TemporalSecurityFlags {
  temporalAddress?: string;
  namespace?: string;
}

/** The connection's TLS and API key; a bad setting is a usage error naming it, before any connecting. */
export function resolveSecurity(
  opts: TemporalSecurityFlags,
  file?: TemporalFileSecurity,
  env: NodeJS.ProcessEnv = process.env,
): TemporalSecurity {
  try {
    return resolveTemporalSecurity(opts, env, file);
  } catch (err) {
    if (err instanceof TemporalSecurityError) throw usageError(err.message);
    throw err;
  }
}

/** A failed connection as a CliError: 2 when the server refused our configuration, 3 when nothing answered. */
export async function connectError(
  address: string,
  security: TemporalSecurity,
  err: unknown,
): Promise<CliError> {
  const { diagnoseConnectFailure } = await import('../client/connect-diagnosis');
  const failure = await diagnoseConnectFailure(address, security, err);
  return new CliError(failure.message, failure.kind === 'refused' ? EXIT.usage : EXIT.unreachable);
}

export function resolveTemporalAddress(opts: TemporalOptions, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.temporalAddress) return opts.temporalAddress;
  if (env.TEMPORAL_ADDRESS) return env.TEMPORAL_ADDRESS;
  const status = devStackStatus(devDir(env));
  if (status.temporalAddress) return status.temporalAddress;
  throw new CliError(
    'Temporal is not running: start the embedded stack with `kompoxops dev up`, or point at a server with --temporal-address or TEMPORAL_ADDRESS',
    EXIT.unreachable,
  );
}

/**
 * The codec's data converter for talking to `address`; no keys is a usage error that says how
 * to set them. The dev stack's key serves only the dev stack's server: payloads sent elsewhere
 * with it would wedge the workflows there until their worker had that key.
 */
export function clientDataConverter(address: string, env: NodeJS.ProcessEnv = process.env): DataConverter {
  const dir = devDir(env);
  const devAddress = devStackStatus(dir).temporalAddress;
  try {
    return loadDataConverter({ env, ...(devAddress === address ? { devDir: dir } : {}) });
  } catch (err) {
    if (!(err instanceof CodecKeyError)) throw err;
    const note =
      devAddress && devAddress !== address
        ? ` (the dev stack's key is used only for the dev stack's server at ${devAddress}, not ${address})`
        : '';
    throw new CliError(`${err.message}${note}`, EXIT.usage);
  }
}

export async function connectClient(
  opts: TemporalOptions,
): Promise<{ client: Client; close: () => Promise<void> }> {
  const address = resolveTemporalAddress(opts);
  // Before connecting: a missing key is the user's to fix, whatever the server's state.
  const dataConverter = clientDataConverter(address);
  const security = resolveSecurity(opts);
  const namespace = opts.namespace ?? process.env.TEMPORAL_NAMESPACE ?? NAMESPACE;
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 5000, ...security });
  } catch (err) {
    throw await connectError(address, security, err);
  }
  try {
    await connection.workflowService.getSystemInfo({});
    // Servers let GetSystemInfo through unauthenticated: a namespace call shows a missing or
    // refused API key now, not in the middle of a command. Only refusals count here.
    await connection.workflowService.describeNamespace({ namespace }).catch(async (err: unknown) => {
      if ((await import('../client/connect-diagnosis')).isAuthRefusal(err)) throw err;
    });
  } catch (err) {
    await connection.close();
    throw await connectError(address, security, err);
  }
  const client = new Client({ connection, dataConverter, namespace });
  return { client, close: () => connection.close() };
}
