// Service `extra_hosts:` → entries of the pod's /etc/hosts (hostAliases). All services share
// the pod, so the entries are the pod's: every service sees every service's entries.
import { isIP } from 'node:net';
import { quote } from '../errors';
import { isPlainMap, type MapReader } from '../field-reader';
import type { ExtraHost } from './model';

export function readExtraHosts(service: MapReader): ExtraHost[] {
  const value = service.raw('extra_hosts');
  if (value === undefined) return [];
  const entries: [string, string][] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = String(item);
      // `host=ip` is unambiguous for IPv6; `host:ip` splits at the first colon.
      const separator = text.includes('=') ? text.indexOf('=') : text.indexOf(':');
      entries.push(separator === -1 ? [text, ''] : [text.slice(0, separator), text.slice(separator + 1)]);
    }
  } else if (isPlainMap(value)) {
    for (const [host, ip] of Object.entries(value)) entries.push([host, String(ip)]);
  } else {
    service.report.error(
      service.at('extra_hosts'),
      `must be a list of "host:ip" or a mapping, got ${quote(value)}`,
    );
    return [];
  }
  return entries.flatMap(([host, written]) => {
    const ip = written.replace(/^\[(.*)\]$/, '$1');
    if (ip === 'host-gateway') {
      service.report.warn(
        service.at('extra_hosts'),
        `${host}: "host-gateway" (the Docker host) has no counterpart on a cluster; the entry is left out`,
      );
      return [];
    }
    if (host === '' || isIP(ip) === 0) {
      service.report.error(
        service.at('extra_hosts'),
        `${quote(`${host}:${written}`)}: write "host:IP" with an IP address`,
      );
      return [];
    }
    return [{ host: host.toLowerCase(), ip }];
  });
}
