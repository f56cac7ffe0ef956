// Process identity and privileges: `user`, `group_add`, `cap_add`/`cap_drop`, `read_only`,
// `sysctls` and `init`, read into the shape of Kubernetes' securityContext. Names (`user:
// postgres`) are refused: Kubernetes takes numeric IDs only and cannot look names up in the image.
import { quote } from '../errors';
import { isPlainMap, type MapReader } from '../field-reader';
import type { ServiceSecurity } from './model';

/** The sysctls Kubernetes allows without a kubelet allow-list (its "safe" set). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_syncookies',
]);

const NUMERIC_ID = /^\d+$/;

export function readSecurity(service: MapReader): ServiceSecurity {
  const security: ServiceSecurity = {
    supplementalGroups: readGroups(service),
    capAdd: readCapabilities(service, 'cap_add'),
    capDrop: readCapabilities(service, 'cap_drop'),
    sysctls: readSysctls(service),
  };
  readUser(service, security);
  if (service.bool('read_only') === true) security.readOnlyRootFilesystem = true;
  if (service.bool('init') === true) security.init = true;
  return security;
}

/** `user: "1000"` or `"1000:1000"`. */
function readUser(service: MapReader, security: ServiceSecurity): void {
  const value = service.raw('user');
  if (value === undefined) return;
  const text = String(value);
  const [user = '', group, ...rest] = text.split(':');
  if (!NUMERIC_ID.test(user) || (group !== undefined && !NUMERIC_ID.test(group)) || rest.length > 0) {
    service.report.error(
      service.at('user'),
      `${quote(text)}: Kubernetes runs containers by numeric ID only; write "UID" or "UID:GID" (e.g. run "id -u <name>" in the image)`,
    );
    return;
  }
  security.runAsUser = Number(user);
  if (group !== undefined) security.runAsGroup = Number(group);
}

function readGroups(service: MapReader): number[] {
  return (service.stringList('group_add') ?? []).flatMap((group) => {
    if (NUMERIC_ID.test(group)) return [Number(group)];
    service.report.error(
      service.at('group_add'),
      `${quote(group)}: Kubernetes adds groups by numeric ID only; write the GID (e.g. "getent group ${group}" in the image)`,
    );
    return [];
  });
}

/** `CAP_NET_ADMIN` and `NET_ADMIN` are the same capability; Kubernetes wants the short form. */
function readCapabilities(service: MapReader, key: 'cap_add' | 'cap_drop'): string[] {
  return (service.stringList(key) ?? []).map((capability) => capability.toUpperCase().replace(/^CAP_/, ''));
}

function readSysctls(service: MapReader): Record<string, string> {
  const value = service.raw('sysctls');
  const entries: [string, string][] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      const [key, ...rest] = String(item).split('=');
      if (key === undefined || key === '' || rest.length === 0) {
        service.report.error(service.at('sysctls'), `${quote(item)}: write "name=value"`);
        continue;
      }
      entries.push([key, rest.join('=')]);
    }
  } else if (isPlainMap(value)) {
    for (const [key, item] of Object.entries(value)) entries.push([key, String(item)]);
  } else if (value !== undefined) {
    service.report.error(
      service.at('sysctls'),
      `must be a mapping or a list of "name=value", got ${quote(value)}`,
    );
  }
  for (const [key] of entries) {
    if (!SAFE_SYSCTLS.has(key)) {
      service.report.warn(
        service.at('sysctls'),
        `${key} is not one of Kubernetes' safe sysctls: the pod starts only on nodes whose kubelet allows it (--allowed-unsafe-sysctls)`,
      );
    }
  }
  return Object.fromEntries(entries);
}
