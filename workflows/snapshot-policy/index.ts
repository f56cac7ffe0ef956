// Pure building blocks of scheduled snapshots: retention plans, Temporal schedule specs,
// deterministic names. Safe to import from workflow code (no Node built-ins, no I/O, no clock).
export { dayKey, isoWeekKey, localDate, type LocalDate } from './calendar';
export {
  cronShortestGapMs,
  InvalidCronError,
  nextCronTime,
  parseCron,
  toTemporalCronExpressions,
  type CronSchedule,
} from './cron';
export {
  planRetention,
  retentionCandidatesFrom,
  retentionRulesFrom,
  type DeleteReason,
  type KeepReason,
  type PlanRetentionInput,
  type RetentionCandidate,
  type RetentionPlan,
  type RetentionRules,
} from './retention';
export {
  CATCHUP_MAX_MS,
  CATCHUP_MIN_MS,
  catchupWindowFor,
  JITTER_MAX_MS,
  jitterFor,
  scheduleIntervalMs,
  toScheduleSpec,
  type SnapshotScheduleSpec,
} from './schedule-spec';
export {
  isValidSnapshotName,
  onDemandSnapshotName,
  scheduledSnapshotName,
  SNAPSHOT_NAME_MAX_LENGTH,
  snapshotCopyIdempotencyKey,
  snapshotIdempotencyKey,
  snapshotNameFor,
  type SnapshotTrigger,
} from './snapshot-names';
