// Turns whatever @kubernetes/client-node throws into one readable line.
//
// client-node 2.x throws ApiException whose message is "HTTP-Code: …\nMessage: …\nBody: <json>\nHeaders: …":
// the useful part (the apiserver's Status.message, e.g. why validation failed) is buried in the body.
// Watches throw a plain Error with `statusCode`; transport failures throw fetch errors with a `cause`.
import { ApiException } from '@kubernetes/client-node';

/** A Kubernetes API failure with the apiserver's Status fields lifted out. */
export class KubeError extends Error {
  override readonly name = 'KubeError';
  constructor(
    message: string,
    /** HTTP status code, when the apiserver answered. */
    readonly code?: number,
    /** Status.reason, e.g. NotFound, AlreadyExists, Conflict, Invalid, Expired. */
    readonly reason?: string,
    /** Status.message as the apiserver wrote it. */
    readonly apiMessage?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface StatusLike {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

function parseStatus(body: unknown): StatusLike | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().split('\n')[0] } : undefined;
    }
  }
  if (value && typeof value === 'object') {
    const s = value as StatusLike;
    if (typeof s.message === 'string' || typeof s.reason === 'string') return s;
  }
  return undefined;
}

function transportMessage(err: Error): string {
  // undici wraps the socket error: TypeError('fetch failed') with cause { code: 'ECONNREFUSED', … }.
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: string }).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return err.message.split('\n')[0] ?? err.name;
}

/** Lifts code/reason/message out of any error client-node can throw; `action` says what was attempted. */
export function toKubeError(err: unknown, action?: string): KubeError {
  if (err instanceof KubeError) {
    return action && !err.message.startsWith(action)
      ? new KubeError(`${action}: ${err.message}`, err.code, err.reason, err.apiMessage, { cause: err })
      : err;
  }
  const prefix = action ? `${action}: ` : '';
  if (err instanceof ApiException) {
    const status = parseStatus(err.body);
    const code = typeof err.code === 'number' ? err.code : undefined;
    const detail =
      status?.message ?? (code === 401 ? 'unauthorized (check the kubeconfig token)' : 'no message');
    const tag = [code !== undefined ? `HTTP ${code}` : undefined, status?.reason].filter(Boolean).join(' ');
    return new KubeError(
      `${prefix}${detail}${tag ? ` (${tag})` : ''}`,
      code,
      status?.reason,
      status?.message,
      {
        cause: err,
      },
    );
  }
  if (err instanceof Error) {
    const code = (err as { statusCode?: unknown }).statusCode;
    if (typeof code === 'number') {
      return new KubeError(`${prefix}${err.message} (HTTP ${code})`, code, undefined, undefined, {
        cause: err,
      });
    }
    return new KubeError(`${prefix}${transportMessage(err)}`, undefined, undefined, undefined, {
      cause: err,
    });
  }
  // Watch ERROR events deliver a bare Status object.
  const status = parseStatus(err);
  if (status) {
    return new KubeError(
      `${prefix}${status.message ?? status.reason}${status.code ? ` (HTTP ${status.code})` : ''}`,
      status.code,
      status.reason,
      status.message,
    );
  }
  return new KubeError(`${prefix}${String(err)}`);
}

/** Runs `fn`, rethrowing any failure as a one-line KubeError prefixed with `action`. */
export async function withKubeError<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toKubeError(err, action);
  }
}

export function errorCode(err: unknown): number | undefined {
  return toKubeError(err).code;
}

export const isNotFound = (err: unknown): boolean => errorCode(err) === 404;
export const isConflict = (err: unknown): boolean => errorCode(err) === 409;
/** 410 Gone: the resourceVersion a watch asked for has been compacted away. */
export const isGone = (err: unknown): boolean => errorCode(err) === 410;
