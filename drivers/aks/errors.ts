// Azure errors as DriverErrors. The SDK pipeline has already retried throttling (honouring
// Retry-After) and 5xx replies a bounded number of times when an error reaches here; what is left
// is mapped by the ARM error code (`error.code` of the reply body) and the HTTP status, so
// activities know whether to retry. The message keeps what Azure said and, in
// `details.azureCode`, the code itself.
import { DriverError, type DriverErrorCode } from '../errors';

const BY_CODE: Record<string, DriverErrorCode> = {
  TooManyRequests: 'Throttled',
  SubscriptionRequestsThrottled: 'Throttled',
  AuthorizationFailed: 'PermissionDenied',
  LinkedAuthorizationFailed: 'PermissionDenied',
  RequestDisallowedByPolicy: 'PermissionDenied',
  InvalidAuthenticationToken: 'Unauthenticated',
  InvalidAuthenticationTokenAudience: 'Unauthenticated',
  InvalidAuthenticationTokenTenant: 'Unauthenticated',
  ExpiredAuthenticationToken: 'Unauthenticated',
  AuthenticationFailed: 'Unauthenticated',
  ResourceNotFound: 'NotFound',
  NotFound: 'NotFound',
  // A missing resource group or subscription is a setting to fix, not a missing disk.
  ResourceGroupNotFound: 'InvalidArgument',
  SubscriptionNotFound: 'InvalidArgument',
  InvalidParameter: 'InvalidArgument',
  BadRequest: 'InvalidArgument',
  InvalidRequestFormat: 'InvalidArgument',
  InvalidRequestContent: 'InvalidArgument',
  LocationNotAvailableForResourceType: 'InvalidArgument',
  SkuNotAvailable: 'InvalidArgument',
  InvalidResourceReference: 'InvalidArgument',
  Conflict: 'Conflict',
  PropertyChangeNotAllowed: 'Conflict',
  OperationNotAllowed: 'Conflict',
  ResourceQuotaExceeded: 'Conflict',
  QuotaExceeded: 'Conflict',
  DiskInUse: 'InUse',
  InternalServerError: 'Transient',
  InternalExecutionError: 'Transient',
  InternalOperationError: 'Transient',
  ServiceUnavailable: 'Transient',
  GatewayTimeout: 'Transient',
  RetryableError: 'Transient',
  OperationPreempted: 'Transient',
  RequestTimeout: 'Transient',
};

/** Error names @azure/identity throws when no credential of the chain works. */
const CREDENTIAL_ERRORS = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
  'AuthenticationRequiredError',
]);

/** Where DefaultAzureCredential looks for credentials, for the Unauthenticated message. */
export const CREDENTIAL_SOURCES =
  'environment variables AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, ' +
  'AKS workload identity (AZURE_FEDERATED_TOKEN_FILE), a managed identity (IMDS, or IDENTITY_ENDPOINT), ' +
  'and a signed-in Azure CLI, PowerShell or Developer CLI';

interface AzureLikeError {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
}

function codeFor(code: string | undefined, status: number | undefined): DriverErrorCode {
  const known = code === undefined ? undefined : BY_CODE[code];
  if (known !== undefined) return known;
  if (status === 429) return 'Throttled';
  if (status === 401) return 'Unauthenticated';
  if (status === 403) return 'PermissionDenied';
  if (status === 404) return 'NotFound';
  if (status === 409) return 'Conflict';
  if (status === undefined || status >= 500 || status === 408) return 'Transient';
  return 'InvalidArgument';
}

/** The DriverError for an error of the Azure SDK; `action` says what failed (e.g. "PUT disk x"). */
export function mapAzureError(err: unknown, action: string): DriverError {
  if (err instanceof DriverError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as AzureLikeError;
  const said = e.message ?? String(err);
  if (e.name !== undefined && CREDENTIAL_ERRORS.has(e.name)) {
    return new DriverError(
      'Unauthenticated',
      `${action} failed: no Azure credentials (${said}). The aks driver takes them from DefaultAzureCredential: ${CREDENTIAL_SOURCES}; give the worker one of them`,
      { details: { azureCode: e.name }, cause: err },
    );
  }
  const code = codeFor(e.code, e.statusCode);
  const azureCode = e.code ?? (e.statusCode === undefined ? 'NoReply' : `HTTP${e.statusCode}`);
  const hint =
    code === 'PermissionDenied'
      ? "; grant the worker's identity a role with Microsoft.Compute/disks and snapshots rights on the resource group"
      : code === 'Unauthenticated'
        ? `; check the credentials the worker finds through DefaultAzureCredential (${CREDENTIAL_SOURCES})`
        : '';
  return new DriverError(code, `${action} failed: ${said} [${azureCode}]${hint}`, {
    details: { azureCode, ...(e.statusCode === undefined ? {} : { status: e.statusCode }) },
    cause: err,
  });
}
