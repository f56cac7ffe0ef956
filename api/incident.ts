// Node incidents: one workflow per cluster node and incident, fed by alerts. Its messages and
// view are defined once here, for the workflow, the webhook hand-off, the CLI and tests.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { NormalizedAlert } from './alert';

export const NODE_INCIDENT_WORKFLOW = 'nodeIncidentWorkflow';

/** One workflow id per cluster node: a re-sent or second alert about the node joins it. */
export function nodeIncidentWorkflowId(cluster: string, node: string): string {
  return `kompox-incident:${cluster}:${node}`;
}

export interface NodeIncidentInput {
  /** The Cluster as the alert named it (a KOM Cluster name or Resource ID). */
  cluster: string;
  /** A node name, or a cloud instance id / providerID the worker maps to one. */
  node: string;
  /** Storm guard: how many app failovers this incident runs at once. */
  maxConcurrentFailovers?: number;
  /** Storm guard: above this share of a zone's nodes down together, it is a zone outage. */
  zoneOutagePercent?: number;
  /** How often the node is looked at while verifying (tests make it short). */
  pollSeconds?: number;
}

export type IncidentPhase =
  | 'Verifying'
  /** The node came back (or a resolved alert arrived) before it was verified: nothing was done. */
  | 'Dismissed'
  | 'Fencing'
  | 'FailingOver'
  /** Failovers handed out; the out-of-service taint stays until the node is back or deleted. */
  | 'AwaitingNode'
  /** Too many nodes of the zone are down: no per-node failover, each app's crossZone policy. */
  | 'ZoneOutage'
  | 'Resolved'
  | 'Failed';

export interface IncidentApp {
  appKey: string;
  /** Why it is not failed over, when it is not (failover disabled, zone outage policy, …). */
  skipped?: string;
  operationId?: string;
  phase?: string;
  rtoSeconds?: number;
}

export interface IncidentView {
  cluster: string;
  node: string;
  phase: IncidentPhase;
  /** Dedupe keys (and status) of every alert this incident took. */
  alerts: { dedupeKey: string; status: string; source: string; receivedAt: string }[];
  marks: {
    alertReceivedAt: string;
    verifiedAt?: string;
    fencedAt?: string;
    taintedAt?: string;
    untaintedAt?: string;
    endedAt?: string;
  };
  /** How the node was verified down, or why it was not. */
  verification?: string;
  /** Whether the VM was stopped by the driver, or why not. */
  fence?: string;
  zone?: string;
  apps: IncidentApp[];
  failure?: string;
}

/** An alert about the node; the update id is the alert's dedupe key and status. */
export const reportAlertUpdate = defineUpdate<IncidentView, [NormalizedAlert]>('reportAlert');
export const incidentViewQuery = defineQuery<IncidentView>('incidentView');

/** The update id of an alert: a re-sent alert is applied once, its resolution once more. */
export function alertUpdateId(alert: NormalizedAlert): string {
  return `${alert.source}:${alert.dedupeKey}:${alert.status}`;
}

/**
 * The storm guard's per-cluster semaphore: at most `limit` app failovers run at once on one
 * cluster, whichever incidents hand them out. Incidents ask for a slot per app (signal-with-start
 * from an activity), are granted slots in order of asking, and release each when its failover ends.
 */
export const FAILOVER_SLOTS_WORKFLOW = 'failoverSlotsWorkflow';

export function failoverSlotsWorkflowId(cluster: string): string {
  return `kompox-failover-slots:${cluster}`;
}

export interface SlotRequest {
  /** The incident workflow to signal the grant to. */
  holder: string;
  /** One slot per key (the failover's request id); asking twice is answered once more. */
  key: string;
  limit: number;
}

export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquireFailoverSlot');
export const releaseSlotSignal = defineSignal<[{ key: string }]>('releaseFailoverSlot');
/** Sent to the holder when its slot is granted. */
export const slotGrantedSignal = defineSignal<[{ key: string }]>('failoverSlotGranted');
