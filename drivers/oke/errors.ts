// OCI errors as DriverErrors. The SDK has already retried what it counts as transient (429
// TooManyRequests, 5xx, 409 IncorrectState, no reply) a bounded number of times when an error
// reaches here. OCI answers a missing resource and a missing permission alike (404
// NotAuthorizedOrNotFound), so a 404 on a create (the compartment or source is what is "not
// found") is PermissionDenied, and a 404 on a resource's own path is NotFound.
import { DriverError, type DriverErrorCode } from '../errors';

interface OciLikeError {
  statusCode?: number;
  serviceCode?: string;
  message?: string;
  code?: string;
  opcRequestId?: string;
}

/** Where the oke driver looks for credentials, for the Unauthenticated message. */
export const CREDENTIAL_SOURCES =
  'the OCI config file (OCI_CONFIG_FILE, else ~/.oci/config) with user, fingerprint, key_file, tenancy and region in the profile named by OCI_CLI_PROFILE (default DEFAULT)';

const BY_SERVICE_CODE: Record<string, DriverErrorCode> = {
  TooManyRequests: 'Throttled',
  NotAuthenticated: 'Unauthenticated',
  SignUpRequired: 'PermissionDenied',
  Forbidden: 'PermissionDenied',
  NotAllowed: 'PermissionDenied',
  InvalidParameter: 'InvalidArgument',
  MissingParameter: 'InvalidArgument',
  CannotParseRequest: 'InvalidArgument',
  LimitExceeded: 'Conflict',
  QuotaExceeded: 'Conflict',
  IncorrectState: 'Conflict',
  Conflict: 'Conflict',
  InvalidatedRetryToken: 'Conflict',
  NoEtagMatch: 'Conflict',
  InternalServerError: 'Transient',
  ServiceUnavailable: 'Transient',
};

function codeFor(e: OciLikeError, creating: boolean): DriverErrorCode {
  const status = e.statusCode;
  const known = e.serviceCode === undefined ? undefined : BY_SERVICE_CODE[e.serviceCode];
  if (known !== undefined) return known;
  if (status === undefined || Number.isNaN(status) || status === -1) return 'Transient';
  if (status === 404) return creating ? 'PermissionDenied' : 'NotFound';
  if (status === 401) return 'Unauthenticated';
  if (status === 403) return 'PermissionDenied';
  if (status === 409 || status === 412) return 'Conflict';
  if (status === 429) return 'Throttled';
  if (status >= 500) return 'Transient';
  return 'InvalidArgument';
}

/** The DriverError for an error of an OCI SDK call; `creating` for calls that make a resource. */
export function mapOciError(err: unknown, action: string, creating = false): DriverError {
  if (err instanceof DriverError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as OciLikeError;
  const code = codeFor(e, creating);
  const said = e.message ?? String(err);
  const ociCode = e.serviceCode ?? e.code ?? 'NoResponse';
  const hint =
    code === 'PermissionDenied'
      ? `; let the worker's OCI user manage volume-family resources in the compartment (OCI answers a missing permission as NotAuthorizedOrNotFound)`
      : code === 'Unauthenticated'
        ? `; check ${CREDENTIAL_SOURCES}`
        : '';
  return new DriverError(code, `${action} failed: ${said} [${ociCode}]${hint}`, {
    details: {
      ociCode,
      action,
      ...(e.statusCode === undefined || Number.isNaN(e.statusCode) ? {} : { status: e.statusCode }),
      ...(e.opcRequestId ? { opcRequestId: e.opcRequestId } : {}),
    },
    cause: err,
  });
}

/** An error building the config-file credentials: Unauthenticated, naming where they are looked for. */
export function credentialsError(err: unknown): DriverError {
  return new DriverError(
    'Unauthenticated',
    `no usable OCI credentials (${err instanceof Error ? err.message : String(err)}); the oke driver reads ${CREDENTIAL_SOURCES}`,
    { cause: err },
  );
}
