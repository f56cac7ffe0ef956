// Compute Engine errors as DriverErrors. The REST client (google-gax in fallback mode) turns the
// HTTP status into a gRPC code (429 RESOURCE_EXHAUSTED, 403 PERMISSION_DENIED, 409 ABORTED, ...)
// and keeps Compute Engine's message; the `reason` of its `errors[]` list tells the cases one
// status covers apart (403 rateLimitExceeded is throttling, 400 resourceInUseByAnotherResource a
// disk in use). Failed operations carry their own codes (`errors[].code`) and are mapped too.
import { DriverError, type DriverErrorCode, NETWORK_ERROR_CODES } from '../errors';

/** gRPC status codes as google-gax reports them. */
const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const BY_REASON: Record<string, DriverErrorCode> = {
  rateLimitExceeded: 'Throttled',
  userRateLimitExceeded: 'Throttled',
  // Quotas: no retry helps until someone raises the limit or deletes something.
  quotaExceeded: 'Conflict',
  alreadyExists: 'AlreadyExists',
  notFound: 'NotFound',
  resourceInUseByAnotherResource: 'InUse',
  resourceNotReady: 'Transient',
  conditionNotMet: 'Transient',
  backendError: 'Transient',
  internalError: 'Transient',
  forbidden: 'PermissionDenied',
  insufficientPermissions: 'PermissionDenied',
  authError: 'Unauthenticated',
  invalid: 'InvalidArgument',
  invalidParameter: 'InvalidArgument',
  badRequest: 'InvalidArgument',
};

/** Codes of a failed operation's `error.errors[]`. */
const BY_OPERATION_CODE: Record<string, DriverErrorCode> = {
  RESOURCE_NOT_FOUND: 'NotFound',
  RESOURCE_ALREADY_EXISTS: 'AlreadyExists',
  RESOURCE_IN_USE_BY_ANOTHER_RESOURCE: 'InUse',
  QUOTA_EXCEEDED: 'Conflict',
  ZONE_RESOURCE_POOL_EXHAUSTED: 'Transient',
  RESOURCE_NOT_READY: 'Transient',
  INTERNAL_ERROR: 'Transient',
  INVALID_USAGE: 'InvalidArgument',
  BAD_REQUEST: 'InvalidArgument',
};

/** Where Application Default Credentials are looked for, for the Unauthenticated message. */
export const CREDENTIAL_SOURCES =
  'GOOGLE_APPLICATION_CREDENTIALS (a service account key or workload identity federation file), ' +
  "gcloud's application-default login (~/.config/gcloud/application_default_credentials.json), " +
  'and the GKE / GCE metadata server (Workload Identity, the node service account)';

interface GaxLikeError {
  name?: string;
  message?: string;
  code?: number | string;
  reason?: string;
  errors?: { reason?: string; message?: string }[];
  cause?: { code?: string };
}

// google-gax 6 keeps the reply's body on the error under this registered symbol (for its debug
// logging); Compute Engine's `errors[].reason` is only there, not in the parsed error.
const RAW_PAYLOAD = Symbol.for('google-gax.rawHttpResponsePayload');

function reasonOf(e: GaxLikeError): string | undefined {
  const listed = e.errors?.find((x) => typeof x.reason === 'string')?.reason ?? e.reason;
  if (listed !== undefined) return listed;
  const raw = (e as Record<symbol, unknown>)[RAW_PAYLOAD];
  try {
    const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as
      { error?: { errors?: { reason?: unknown }[] } } | undefined;
    const reason = body?.error?.errors?.find((x) => typeof x.reason === 'string')?.reason;
    return typeof reason === 'string' ? reason : undefined;
  } catch {
    return undefined;
  }
}

function codeFor(e: GaxLikeError, reason: string | undefined): DriverErrorCode {
  const byReason = reason === undefined ? undefined : BY_REASON[reason];
  if (byReason !== undefined) return byReason;
  switch (e.code) {
    case GRPC.RESOURCE_EXHAUSTED:
      return 'Throttled';
    case GRPC.NOT_FOUND:
      return 'NotFound';
    case GRPC.ALREADY_EXISTS:
      return 'AlreadyExists';
    case GRPC.ABORTED:
      return /already exists/i.test(e.message ?? '') ? 'AlreadyExists' : 'Conflict';
    case GRPC.PERMISSION_DENIED:
      return 'PermissionDenied';
    case GRPC.UNAUTHENTICATED:
      return 'Unauthenticated';
    case GRPC.INVALID_ARGUMENT:
      return /in use by|is already being used/i.test(e.message ?? '') ? 'InUse' : 'InvalidArgument';
    case GRPC.FAILED_PRECONDITION:
      return 'Conflict';
    case GRPC.UNAVAILABLE:
    case GRPC.INTERNAL:
    case GRPC.DEADLINE_EXCEEDED:
    case GRPC.UNKNOWN:
    case GRPC.CANCELLED:
      return 'Transient';
    default:
      // No reply at all: the connection failed or timed out.
      return 'Transient';
  }
}

const isCredentialProblem = (message: string): boolean =>
  /could not load the default credentials|unable to detect a project id|no access, refresh token|invalid_grant|getaddrinfo .*metadata/i.test(
    message,
  );

/**
 * The DriverError for an error from a Compute Engine call. `action` says what failed (for example
 * "disks.insert in us-central1-a"); `permission` is the IAM permission the call needs, for the hint.
 */
export function mapGcpError(err: unknown, action: string, permission: string): DriverError {
  if (err instanceof DriverError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as GaxLikeError;
  const said = e.message ?? String(err);
  if (e.code === undefined && isCredentialProblem(said)) {
    return new DriverError(
      'Unauthenticated',
      `${action} failed: no Google credentials (${said}). The gke driver uses Application Default Credentials: ${CREDENTIAL_SOURCES}; give the worker one of them`,
      { details: { action: permission }, cause: err },
    );
  }
  const networkCode = typeof e.code === 'string' ? e.code : e.cause?.code;
  const network = networkCode !== undefined && NETWORK_ERROR_CODES.has(networkCode);
  const reason = reasonOf(e);
  const code = network ? 'Transient' : codeFor(e, reason);
  const gcpCode = network ? networkCode! : (reason ?? String(e.code ?? 'unknown'));
  const hint =
    code === 'PermissionDenied'
      ? `; grant ${permission} to the worker's Google identity`
      : code === 'Unauthenticated'
        ? `; check the Application Default Credentials the worker finds (${CREDENTIAL_SOURCES})`
        : '';
  return new DriverError(code, `${action} failed: ${said} [${gcpCode}]${hint}`, {
    details: { gcpCode, action: permission },
    cause: err,
  });
}

/** The DriverError of an operation that finished with `error`. */
export function mapOperationError(
  error: { errors?: { code?: string | null; message?: string | null }[] | null },
  action: string,
): DriverError {
  const first = error.errors?.[0];
  const opCode = first?.code ?? 'UNKNOWN';
  const code = BY_OPERATION_CODE[opCode] ?? (opCode.includes('PERMISSION') ? 'PermissionDenied' : 'Conflict');
  return new DriverError(code, `${action} failed: ${first?.message ?? opCode} [${opCode}]`, {
    details: { gcpCode: opCode },
  });
}
