// Kompox's App extension `spec.failover`: what an alert about a failed node may do to the app.

export type CrossZonePolicy = 'never' | 'latestSnapshot' | 'zoneRedundant';
export const CROSS_ZONE_POLICIES: readonly CrossZonePolicy[] = ['never', 'latestSnapshot', 'zoneRedundant'];

export interface FailoverPolicy {
  enabled: boolean;
  /** The node must stay NotReady this long before Kompox acts. */
  verifyGraceSeconds: number;
  /** What to do when the disks' zone cannot host the pod. */
  crossZone: CrossZonePolicy;
}

export const DEFAULT_FAILOVER_POLICY: FailoverPolicy = {
  enabled: false,
  verifyGraceSeconds: 30,
  crossZone: 'never',
};
