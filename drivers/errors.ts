// Typed driver errors. Activities turn `code` into a Temporal failure type and use `retryable`
// to decide between a retryable failure and ApplicationFailure.nonRetryable, so every cloud
// error a driver surfaces must be mapped to one of these codes first.

export type DriverErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InUse'
  | 'Conflict'
  | 'InvalidArgument'
  | 'Transient'
  /** The cloud asked us to slow down (AWS RequestLimitExceeded, Azure 429): retried with backoff. */
  | 'Throttled'
  /** No credentials could be found or they were refused: fix the configuration, a retry cannot. */
  | 'Unauthenticated'
  /** The credentials work but may not do this (AWS UnauthorizedOperation, Azure AuthorizationFailed). */
  | 'PermissionDenied'
  | 'NotImplemented'
  | 'Unsupported'
  | 'Corrupted';

/** Codes an activity should retry. Everything else needs a different request or a human. */
const RETRYABLE: ReadonlySet<DriverErrorCode> = new Set<DriverErrorCode>(['Transient', 'Throttled']);

export interface DriverErrorOptions {
  /** Machine-readable facts for operation records (e.g. `{ reason: 'assigned' }`). */
  details?: Record<string, string | number | boolean>;
  cause?: unknown;
}

export class DriverError extends Error {
  override readonly name = 'DriverError';
  readonly code: DriverErrorCode;
  readonly details: Record<string, string | number | boolean>;

  constructor(code: DriverErrorCode, message: string, options: DriverErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

export function isDriverError(err: unknown, code?: DriverErrorCode): err is DriverError {
  return err instanceof DriverError && (code === undefined || err.code === code);
}

/** True for errors worth retrying; unknown (non-driver) errors count as retryable, like Temporal's default. */
export function isRetryableError(err: unknown): boolean {
  return err instanceof DriverError ? err.retryable : true;
}

// Short constructors keep call sites readable: `throw notFound('disk x')`.
export const notFound = (what: string, details?: DriverErrorOptions['details']): DriverError =>
  new DriverError('NotFound', `${what} not found`, { details });
export const invalidArgument = (message: string, details?: DriverErrorOptions['details']): DriverError =>
  new DriverError('InvalidArgument', message, { details });

/** Node socket error codes that mean the cloud was not reached: a retry may get through. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
