// Why a connection to Temporal failed, in words a user can act on. The gRPC client only says
// "Failed to connect before the deadline" whatever went wrong in the TLS handshake, so after a
// failure one plain TLS handshake (node:tls, same certificates) finds the cause: an unknown server
// CA, an expired or untrusted client certificate, a missing one, a wrong server name, or TLS
// spoken to a plaintext server and the reverse. Refusals of the server's authorizer come as gRPC
// status codes on the first call and are worded here too.
import { connect } from 'node:tls';
import { isIP } from 'node:net';
import type { TemporalSecurity } from './temporal-connection';

export interface ConnectFailure {
  /** `refused`: the server answered and turned this client's configuration down; `unreachable`: no answer. */
  kind: 'refused' | 'unreachable';
  message: string;
}

const H2_PREFACE = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  // An empty SETTINGS frame: the server answers with its own once it accepted the handshake.
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
]);

/** The handshake's error code (`ERR_SSL_…`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, …), `ok`, or undefined when nothing answers. */
export function probeTls(
  address: string,
  tls: NonNullable<TemporalSecurity['tls']> | 'any',
  timeoutMs = 3000,
): Promise<string | undefined> {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  const host = m?.[1] ?? m?.[2] ?? address;
  const port = Number(m?.[3] ?? 7233);
  const serverName = tls === 'any' ? undefined : (tls.serverNameOverride ?? (isIP(host) ? undefined : host));
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      ALPNProtocols: ['h2'],
      ...(serverName ? { servername: serverName } : {}),
      ...(tls === 'any'
        ? { rejectUnauthorized: false }
        : {
            ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
            ...(tls.clientCertPair
              ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) }
              : {}),
          }),
    });
    const done = (result: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('secureConnect', () => socket.write(H2_PREFACE));
    // TLS 1.3 servers refuse a client certificate after the handshake: the alert comes on the first read.
    socket.once('data', () => done('ok'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    socket.once('close', () => done('ERR_CLOSED'));
  });
}

/** The failure worded for the user: `err` is what the client threw, `probe` what probeTls found. */
export function describeConnectFailure(
  address: string,
  security: TemporalSecurity,
  err: unknown,
  probe: string | undefined,
  plaintextProbe?: string,
): ConnectFailure {
  const raw = innermostMessage(err);
  const at = `Temporal at ${address}`;
  const refused = (message: string): ConnectFailure => ({ kind: 'refused', message });
  if (isAuthRefusal(err))
    return refused(
      security.apiKey === undefined
        ? `${at} requires an API key and none was given: set TEMPORAL_API_KEY, or give --api-key-file (server said: ${raw})`
        : `${at} refused the API key: it is not valid, has expired, or grants no access to this namespace; check TEMPORAL_API_KEY / --api-key-file (server said: ${raw})`,
    );
  const p = probe ?? '';
  if (security.tls) {
    if (/CERTIFICATE_EXPIRED/.test(p))
      return refused(
        `${at} refused the client certificate: it has expired (or is not valid yet); renew it and give the new one with --tls-cert and --tls-key`,
      );
    if (p === 'CERT_HAS_EXPIRED' || p === 'CERT_NOT_YET_VALID')
      return refused(
        `${at}: the server's certificate has expired (or is not valid yet); the server's operator must renew it`,
      );
    if (
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_SIGNATURE_FAILURE/.test(
        p,
      )
    )
      return refused(
        security.tls.serverRootCACertificate
          ? `${at}: the server's certificate is not signed by the CA of --tls-ca (wrong CA?); give the CA that issued the server's certificate`
          : `${at}: the server's certificate is not signed by a CA this machine trusts; give its CA with --tls-ca`,
      );
    if (/UNKNOWN_CA|BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|DECRYPT_ERROR/.test(p))
      return refused(
        `${at} does not trust the client certificate of --tls-cert: it was not issued by a CA the server accepts clients from`,
      );
    if (/CERTIFICATE_REQUIRED/.test(p) || (/HANDSHAKE_FAILURE/.test(p) && !security.tls.clientCertPair))
      return refused(
        `${at} requires a client certificate (mTLS): give --tls-cert and --tls-key (or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY)`,
      );
    if (p === 'ERR_TLS_CERT_ALTNAME_INVALID')
      return refused(
        `${at}: the server's certificate is not issued for this name; give the name it is issued for with --tls-server-name`,
      );
    if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL|RECORD_LAYER_FAILURE/.test(p))
      return refused(
        `${at} does not speak TLS; leave out the TLS options (--tls-*, TEMPORAL_TLS_*) or check the address`,
      );
  } else if (plaintextProbe !== undefined && /^ERR_SSL_.*ALERT/.test(plaintextProbe)) {
    // The handshake without verification got far enough for the server to want a certificate.
    return refused(
      `${at} requires TLS with a client certificate (mTLS): give --tls-ca, --tls-cert and --tls-key (or TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY)`,
    );
  } else if (plaintextProbe === 'ok') {
    return refused(
      `${at} requires TLS: give --tls-ca (and --tls-cert/--tls-key if it requires client certificates)`,
    );
  }
  return {
    kind: 'unreachable',
    message: `cannot reach ${at}: ${raw}; is the server running and the address right (kompoxops dev status)?`,
  };
}

/**
 * The server's authorizer said no: UNAUTHENTICATED (16) or PERMISSION_DENIED (7), on the error
 * or the one it wraps (the client's own connect check wraps its GetSystemInfo call's).
 */
export function isAuthRefusal(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 16 || code === 7) return true;
    // The worker's native connection reports the gRPC status in its message only.
    if (e instanceof Error && /\bcode: (PermissionDenied|Unauthenticated)\b/.test(e.message)) return true;
  }
  return false;
}

/** The message of the deepest wrapped error: the server's own words, not the client's wrapper. */
function innermostMessage(err: unknown): string {
  let e = err;
  while ((e as { cause?: unknown } | undefined)?.cause instanceof Error) e = (e as { cause: Error }).cause;
  const message = e instanceof Error ? e.message : String(e);
  // The native connection's `Status { code: …, message: "…", details: … }`: its message is the server's.
  return /\bStatus \{ code: \w+, message: "([^"]*)"/.exec(message)?.[1] ?? message;
}

/** A connection a process could not make, worded; the CLI turns `kind` into its exit code. */
export class TemporalConnectError extends Error {
  override readonly name = 'TemporalConnectError';
  constructor(readonly failure: ConnectFailure) {
    super(failure.message);
  }
}

/** Probes as fits `security` and words the failure. */
export async function diagnoseConnectFailure(
  address: string,
  security: TemporalSecurity,
  err: unknown,
): Promise<ConnectFailure> {
  if (isAuthRefusal(err)) return describeConnectFailure(address, security, err, undefined);
  if (security.tls)
    return describeConnectFailure(address, security, err, await probeTls(address, security.tls));
  return describeConnectFailure(address, security, err, undefined, await probeTls(address, 'any'));
}
