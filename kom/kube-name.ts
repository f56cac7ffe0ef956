// Compose names → Kubernetes names. Compose allows `db_data`, `front_end`, `NGINX` and `2fa`;
// Kubernetes object names are DNS labels, and Service names must also start with a letter.
// The mapping is fixed and documented, so users can predict what they will see in the cluster.
import { dnsLabelProblem } from './resource-id';

/** Put in front of a service name that starts with a digit: a Service name must start with a letter. */
export const SERVICE_DIGIT_PREFIX = 'svc-';

/** Lower case, `_` and `.` to `-`: the DNS label a volume, config or secret name maps to. */
export function dnsLabelOf(name: string): string {
  return name.toLowerCase().replace(/[_.]/g, '-');
}

/** The container and Service name of a compose service. */
export function serviceKubeName(name: string): string {
  const label = dnsLabelOf(name);
  return /^[0-9]/.test(label) ? `${SERVICE_DIGIT_PREFIX}${label}` : label;
}

/**
 * Why the mapped name still cannot be used, or undefined. The message names both spellings
 * when they differ, so the user sees which one Kubernetes rejects.
 */
export function mappedNameProblem(name: string, mapped: string, maxLength = 63): string | undefined {
  const problem = dnsLabelProblem(mapped, maxLength);
  if (problem === undefined) return undefined;
  return mapped === name ? problem : `${JSON.stringify(name)} becomes ${problem}`;
}

/**
 * Tracks mapped names of one kind and reports two spellings that map to the same name
 * (`db_data` and `db-data`): they would share one Kubernetes object.
 */
export class MappedNames {
  private readonly byMapped = new Map<string, string>();

  /** The spelling that claimed the same mapped name first (maybe `name` itself), or undefined. */
  claim(name: string, mapped: string): string | undefined {
    const earlier = this.byMapped.get(mapped);
    if (earlier === undefined) this.byMapped.set(mapped, name);
    return earlier;
  }
}

export function collisionMessage(kind: string, name: string, other: string, mapped: string): string {
  return `${kind} ${JSON.stringify(name)} and ${JSON.stringify(other)} both become ${JSON.stringify(mapped)} in Kubernetes; rename one of them`;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Whether the pod can resolve the compose spelling of a service through a hostAliases entry:
 * Kubernetes accepts only DNS subdomains there (so `2fa` and `front.end`, not `front_end`).
 * Upper case needs no alias: DNS names are case-insensitive.
 */
export function isHostAlias(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.length <= 253 && DNS_SUBDOMAIN.test(lower);
}
