// securityContext from compose `user`, `group_add`, `cap_*`, `read_only`, `sysctls` and `init`,
// plus fsGroup so that an image running as non-root can write a fresh disk (PostgreSQL's,
// pgAdmin's and Gitea's images drop root).
import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import type { ComposeService } from '../../kom';

/**
 * The group a disk is made writable for when no service names one. Any value works: Kubernetes
 * adds fsGroup to every container's groups and makes the volume group-writable for it.
 */
export const DEFAULT_FS_GROUP = 1000;

export function containerSecurityContext(service: ComposeService): V1SecurityContext | undefined {
  const security = service.security;
  const context: V1SecurityContext = {};
  if (security.runAsUser !== undefined) context.runAsUser = security.runAsUser;
  if (security.runAsGroup !== undefined) context.runAsGroup = security.runAsGroup;
  if (security.capAdd.length > 0 || security.capDrop.length > 0) {
    context.capabilities = {};
    if (security.capAdd.length > 0) context.capabilities.add = [...security.capAdd];
    if (security.capDrop.length > 0) context.capabilities.drop = [...security.capDrop];
  }
  if (security.readOnlyRootFilesystem === true) context.readOnlyRootFilesystem = true;
  return Object.keys(context).length > 0 ? context : undefined;
}

/** Pod-wide settings: Kubernetes has one value per pod for these, kom checked they agree. */
export function podSecurityContext(services: readonly ComposeService[]): V1PodSecurityContext | undefined {
  const context: V1PodSecurityContext = {};
  const groups = [...new Set(services.flatMap((service) => service.security.supplementalGroups))];
  if (groups.length > 0) context.supplementalGroups = groups.sort((a, b) => a - b);
  const sysctls = Object.assign({}, ...services.map((service) => service.security.sysctls)) as Record<
    string,
    string
  >;
  const names = Object.keys(sysctls).sort();
  if (names.length > 0) context.sysctls = names.map((name) => ({ name, value: sysctls[name] ?? '' }));
  if (services.some((service) => service.volumeMounts.some((mount) => !mount.readOnly))) {
    context.fsGroup = fsGroupOf(services);
    // Only the volume root is checked at mount: a large disk is not re-chowned at every start.
    context.fsGroupChangePolicy = 'OnRootMismatch';
  }
  return Object.keys(context).length > 0 ? context : undefined;
}

/** The group of a service that writes to a disk (`user: UID:GID`), else DEFAULT_FS_GROUP. */
function fsGroupOf(services: readonly ComposeService[]): number {
  const writer = services.find(
    (service) =>
      service.security.runAsGroup !== undefined && service.volumeMounts.some((mount) => !mount.readOnly),
  );
  return writer?.security.runAsGroup ?? DEFAULT_FS_GROUP;
}

/** `init: true`: with a shared process namespace the pod's pause process is PID 1 and reaps zombies. */
export function sharesProcessNamespace(services: readonly ComposeService[]): boolean {
  return services.some((service) => service.security.init === true);
}
