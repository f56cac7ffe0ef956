// Typed activity proxies shared by the operation workflows. Activities are imported as types
// only; the worker supplies the implementations.
import {
  ActivityCancellationType,
  type ActivityOptions,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { KompoxActivities } from '../activities';

/** Errors that retrying cannot fix: the operation fails with this reason at once. */
export const NON_RETRYABLE = [
  'InvalidArgument',
  'NotFound',
  'AlreadyExists',
  'InUse',
  'DiskAssigned',
  'NotImplemented',
  'ValidationError',
];

/**
 * Disk and snapshot calls: long cloud operations that heartbeat while they wait. Retries are
 * bounded (a wedged provider fails the operation instead of holding the app's controller), and
 * a cancelled operation waits until the activity has stopped, so nothing runs on behind it.
 */
const DISK_OPTIONS = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
} as const;
export const diskActivities = proxyActivities<KompoxActivities>(DISK_OPTIONS);

/**
 * Snapshot creation: like diskActivities, but a provider that keeps failing ends the attempt
 * after 5 tries (about 15 s of backoff) instead of retrying for ever, so a `stop`-consistent
 * snapshot scales the app back up and the operation fails with SnapshotFailed; the next
 * scheduled run tries again.
 */
export const snapshotCreateActivities = proxyActivities<KompoxActivities>({
  ...DISK_OPTIONS,
  retry: { ...DISK_OPTIONS.retry, maximumAttempts: 5 },
});

const READ_OPTIONS = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 15,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
} as const;
const remoteReads = proxyActivities<KompoxActivities>(READ_OPTIONS);
const localReads = proxyLocalActivities<KompoxActivities>(READ_OPTIONS);

/** Histories from before reads ran as local activities scheduled each read as an activity task. */
export const LOCAL_READS_PATCH = 'local-read-activities';

/**
 * Quick reads: bounded retries (about 2 minutes of backoff), nothing to undo when cancelled.
 * They run as local activities, in the worker that runs the workflow task: a read costs no
 * task-queue round trip and no workflow task of its own.
 */
export function readActivities(): typeof remoteReads {
  return patched(LOCAL_READS_PATCH) ? localReads : remoteReads;
}

/** Kubernetes calls: applies and waits that heartbeat; the rollout wait sets its own limit. */
const KUBE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [
      ...NON_RETRYABLE,
      'KubeRejected',
      'WrongZone',
      'RolloutFailed',
      'NoCluster',
      'ConvertError',
      'HookFailed',
      'HookTimeout',
      'RevisionIncomplete',
    ],
  },
};
export const kubeActivities = proxyActivities<KompoxActivities>(KUBE_OPTIONS);

/** Histories from before the checks below ran as local activities scheduled them as tasks. */
export const LOCAL_KUBE_CHECKS_PATCH = 'local-kube-checks';
const localKubeChecks = proxyLocalActivities<KompoxActivities>({
  startToCloseTimeout: '1 minute',
  retry: KUBE_OPTIONS.retry,
});

/**
 * Quick checks that change nothing (validate a revision, verify where the pod landed): local
 * activities, like the reads, so each costs no task-queue round trip and no workflow task.
 */
export function kubeChecks(): typeof kubeActivities {
  return patched(LOCAL_KUBE_CHECKS_PATCH) ? localKubeChecks : kubeActivities;
}

/** The rollout wait: its attempt may last as long as the deploy's --timeout, plus a margin. */
export function rolloutActivities(timeoutSeconds: number) {
  return proxyActivities<KompoxActivities>({
    ...KUBE_OPTIONS,
    startToCloseTimeout: `${timeoutSeconds + 120} seconds`,
  });
}

/**
 * Waits for a failed node to come back: as long as it takes (days, for a VM nobody repairs),
 * heartbeating, and retried without end so a dead worker or apiserver never ends the wait.
 */
export const nodeWaitActivities = proxyActivities<KompoxActivities>({
  startToCloseTimeout: '7 days',
  heartbeatTimeout: '1 minute',
  cancellationType: ActivityCancellationType.TRY_CANCEL,
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A node incident's quick looks at the cluster and the cloud: short attempts, so a worker that
 * dies mid-call costs seconds of an outage, not the minute a read may otherwise take.
 */
export const incidentActivities = proxyActivities<KompoxActivities>({
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 seconds',
    maximumAttempts: 30,
    nonRetryableErrorTypes: [...NON_RETRYABLE, 'NotConfigured', 'NoCluster'],
  },
});
