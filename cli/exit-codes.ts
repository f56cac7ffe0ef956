// Exit codes scripts can rely on.
export const EXIT = {
  ok: 0,
  /** The operation ran and failed (or was refused by the controller). */
  failed: 1,
  /** Bad usage or invalid KOM/compose: nothing was changed. */
  usage: 2,
  /** Temporal (or another service) could not be reached. */
  unreachable: 3,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
