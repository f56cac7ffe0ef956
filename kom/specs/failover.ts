// spec.failover (a Kompox extension): what an alert about a failed node may do to the app.
import { MapReader } from '../field-reader';
import { CROSS_ZONE_POLICIES, DEFAULT_FAILOVER_POLICY, type FailoverPolicy } from '../model/failover-policy';

export function readFailoverPolicy(failover: MapReader): FailoverPolicy {
  const policy: FailoverPolicy = {
    enabled: failover.bool('enabled') ?? DEFAULT_FAILOVER_POLICY.enabled,
    verifyGraceSeconds:
      failover.int('verifyGraceSeconds', { min: 0 }) ?? DEFAULT_FAILOVER_POLICY.verifyGraceSeconds,
    crossZone: failover.enumOf('crossZone', CROSS_ZONE_POLICIES) ?? DEFAULT_FAILOVER_POLICY.crossZone,
  };
  failover.finish('error', ' (known: enabled, verifyGraceSeconds, crossZone)');
  return policy;
}
