// Typed activity proxies shared by the operation workflows. Activities are imported as types
// only; the worker supplies the implementations.
import { proxyActivities } from '@temporalio/workflow';
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

/** Disk and snapshot calls: long cloud operations that heartbeat while they wait. */
export const diskActivities = proxyActivities<KompoxActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/** Quick reads. */
export const readActivities = proxyActivities<KompoxActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/** Kubernetes calls: applies and waits that heartbeat; the rollout wait sets its own limit. */
export const kubeActivities = proxyActivities<KompoxActivities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '30 seconds',
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
    ],
  },
});
