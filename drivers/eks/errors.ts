// EC2 errors as DriverErrors. The SDK has already retried throttling and 5xx replies a few
// times when an error reaches here; what is left is mapped by the EC2 error code (the error's
// `name`) so activities know whether to retry, and the message keeps what AWS said, the action
// that failed and, in `details.awsCode`, the code itself.
import { DriverError, type DriverErrorCode, NETWORK_ERROR_CODES } from '../errors';

const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

const BY_CODE: Record<string, DriverErrorCode> = {
  UnauthorizedOperation: 'PermissionDenied',
  AccessDenied: 'PermissionDenied',
  AccessDeniedException: 'PermissionDenied',
  Blocked: 'PermissionDenied',
  OptInRequired: 'PermissionDenied',
  AuthFailure: 'Unauthenticated',
  InvalidClientTokenId: 'Unauthenticated',
  SignatureDoesNotMatch: 'Unauthenticated',
  IncompleteSignature: 'Unauthenticated',
  MissingAuthenticationToken: 'Unauthenticated',
  UnrecognizedClientException: 'Unauthenticated',
  ExpiredToken: 'Unauthenticated',
  ExpiredTokenException: 'Unauthenticated',
  RequestExpired: 'Unauthenticated',
  'InvalidVolume.NotFound': 'NotFound',
  'InvalidSnapshot.NotFound': 'NotFound',
  'InvalidInstanceID.NotFound': 'NotFound',
  InvalidParameterValue: 'InvalidArgument',
  InvalidParameterCombination: 'InvalidArgument',
  InvalidParameter: 'InvalidArgument',
  MissingParameter: 'InvalidArgument',
  UnknownParameter: 'InvalidArgument',
  'InvalidZone.NotFound': 'InvalidArgument',
  InvalidAvailabilityZone: 'InvalidArgument',
  VolumeTypeNotAvailableInZone: 'InvalidArgument',
  'InvalidVolumeID.Malformed': 'InvalidArgument',
  'InvalidSnapshotID.Malformed': 'InvalidArgument',
  'InvalidInstanceID.Malformed': 'InvalidArgument',
  InvalidID: 'InvalidArgument',
  'InvalidKMSKey.Id': 'InvalidArgument',
  'InvalidVolume.ZoneMismatch': 'InvalidArgument',
  IdempotentParameterMismatch: 'Conflict',
  VolumeInUse: 'InUse',
  'InvalidSnapshot.InUse': 'InUse',
  IncorrectState: 'Conflict',
  IncorrectInstanceState: 'Conflict',
  IncorrectModificationState: 'Conflict',
  // Quotas: no retry helps until someone raises the limit or deletes something.
  VolumeLimitExceeded: 'Conflict',
  SnapshotLimitExceeded: 'Conflict',
  SnapshotCopyLimitExceeded: 'Conflict',
  MaxIOPSLimitExceeded: 'Conflict',
  ResourceLimitExceeded: 'Conflict',
  UnsupportedOperation: 'Unsupported',
  InternalError: 'Transient',
  InternalFailure: 'Transient',
  ServiceUnavailable: 'Transient',
  Unavailable: 'Transient',
  RequestTimeout: 'Transient',
  RequestTimeoutException: 'Transient',
  InsufficientVolumeCapacity: 'Transient',
};

/** Where the AWS SDK's standard chain looks for credentials, for the Unauthenticated message. */
export const CREDENTIAL_SOURCES =
  'environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), ' +
  'AWS_PROFILE with ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), ' +
  'web identity AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (IRSA), EKS Pod Identity ' +
  '(AWS_CONTAINER_CREDENTIALS_FULL_URI), and the EC2 instance metadata service (IMDS)';

interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

function codeFor(name: string, err: AwsLikeError): DriverErrorCode {
  if (THROTTLING.has(name)) return 'Throttled';
  const known = BY_CODE[name];
  if (known !== undefined) return known;
  if (name.startsWith('AccessDenied')) return 'PermissionDenied';
  if (name.endsWith('.NotFound')) return 'NotFound';
  if (name.endsWith('.Malformed')) return 'InvalidArgument';
  const status = err.$metadata?.httpStatusCode;
  if (err.$fault === 'server' || (status !== undefined && status >= 500)) return 'Transient';
  if (err.$fault === 'client' || status !== undefined) return 'InvalidArgument';
  // No reply at all: the connection failed or timed out.
  return 'Transient';
}

/**
 * The DriverError for an error from `client.send`. `action` says what failed, for example
 * "CreateVolume in us-east-1"; `ec2Action` is the API name for the IAM hint.
 */
export function mapAwsError(err: unknown, action: string, ec2Action: string): DriverError {
  if (err instanceof DriverError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as AwsLikeError;
  const name = e.name ?? 'Error';
  const said = e.message ?? String(err);
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    return new DriverError(
      'Unauthenticated',
      `${action} failed: no AWS credentials (${said}). The eks driver takes them from the AWS SDK's standard chain: ${CREDENTIAL_SOURCES}; give the worker one of them`,
      { details: { awsCode: name, action: ec2Action }, cause: err },
    );
  }
  const network = e.code !== undefined && NETWORK_ERROR_CODES.has(e.code);
  const code = network || name === 'TimeoutError' ? 'Transient' : codeFor(name, e);
  const awsCode = network ? e.code! : name;
  const hint =
    code === 'PermissionDenied'
      ? `; allow ec2:${ec2Action} to the worker's IAM identity`
      : code === 'Unauthenticated'
        ? `; check the credentials the worker finds in the AWS SDK's standard chain (${CREDENTIAL_SOURCES})`
        : '';
  return new DriverError(code, `${action} failed: ${said} [${awsCode}]${hint}`, {
    details: { awsCode, action: ec2Action },
    cause: err,
  });
}
