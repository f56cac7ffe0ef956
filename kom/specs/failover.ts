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
  // A node failure fails the app over within its zone; moving it out of a zone that is down
  // comes with migration. Until then the manifest keeps working and says so plainly.
  if (policy.crossZone !== 'never') {
    failover.report.warn(
      failover.at('crossZone'),
      `${policy.crossZone} is not active yet: in a zone outage the app waits for its zone (failover within the zone works)`,
    );
  }
  return policy;
}
