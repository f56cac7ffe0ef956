// Kompox's App extension `spec.snapshots`: when to snapshot, how to make the snapshot
// consistent, and how long to keep snapshots.

export type SnapshotSchedule =
  /** Five-field cron, evaluated in `timeZone`. */
  | { kind: 'cron'; expression: string }
  /** `@every 6h`: a fixed interval. */
  | { kind: 'interval'; everyMs: number; text: string };

export type SnapshotConsistency = 'crash' | 'stop' | 'hook';
export const SNAPSHOT_CONSISTENCIES: readonly SnapshotConsistency[] = ['crash', 'stop', 'hook'];

export type HookErrorAction = 'fail' | 'continue';
export const HOOK_ERROR_ACTIONS: readonly HookErrorAction[] = ['fail', 'continue'];

/** Commands exec'd in a container around the snapshot (`consistency: hook`). */
export interface SnapshotHook {
  /** A compose service name. */
  container: string;
  /** argv of the command run before the snapshot, e.g. `["sh", "-c", "fsfreeze -f /data"]`. */
  pre: string[];
  /** argv of the command run after it, even when the snapshot failed. */
  post: string[];
  timeoutSeconds: number;
  onError: HookErrorAction;
}

export interface SnapshotRetention {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  /** Snapshots older than this are pruned (the newest ready one never is). */
  maxAgeMs?: number;
  /** maxAge as written, e.g. `90d`. */
  maxAge?: string;
}

export interface SnapshotPolicy {
  schedule?: SnapshotSchedule;
  /** IANA time zone for cron schedules; `UTC` unless set. */
  timeZone: string;
  consistency: SnapshotConsistency;
  hook?: SnapshotHook;
  retention?: SnapshotRetention;
  /** Region to copy each snapshot to, for off-region recovery. */
  copyToRegion?: string;
}
