// An alert from any monitoring source, normalised by the webhook receiver: what a node
// incident needs to know, whichever system noticed the failure.

export type AlertSource = 'alertmanager' | 'azure' | 'sns' | 'gcp';
export const ALERT_SOURCES: readonly AlertSource[] = ['alertmanager', 'azure', 'sns', 'gcp'];

export interface NormalizedAlert {
  source: AlertSource;
  /**
   * Stable across re-sends of one incident, different for the next one: Alertmanager
   * `fingerprint` + `startsAt`, Azure `alertId`, SNS the alarm ARN (an OK message does not say
   * when its ALARM began; one alarm has one episode open at a time), GCP `incident_id`. Firing
   * and resolved alerts of one incident share it.
   */
  dedupeKey: string;
  status: 'firing' | 'resolved';
  /** The alert rule or alarm name, for logs and records. */
  name?: string;
  /** A Kubernetes Cluster name or Resource ID, when the alert says which. */
  cluster?: string;
  /** The Kubernetes node name, when the alert carries one. */
  node?: string;
  /**
   * A cloud instance id (`i-0abc…`, an ARM VM id, a GCE instance id, an OCI OCID) or a
   * providerID (`aws:///us-east-1a/i-0abc…`): the worker maps it to a node through the nodes'
   * `spec.providerID`.
   */
  instanceId?: string;
  /** The app (a KOM App name or app key `ws/prv/app`), when the alert is about one app. */
  app?: string;
  zone?: string;
  /** When the source says the condition started (firing) or ended (resolved), ISO 8601. */
  observedAt?: string;
  /** When the receiver accepted it, ISO 8601: where a failover's RTO starts. */
  receivedAt: string;
}
