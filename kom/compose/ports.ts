// Service `ports:` in short (`8080:80`, `80`, `127.0.0.1:8080:80/tcp`) and long syntax.
import { quote } from '../errors';
import { isPlainMap, MapReader } from '../field-reader';
import type { Reporter } from '../reporter';
import type { FieldPath } from '../yaml-source';
import type { PortMapping, PortProtocol } from './model';

const PROTOCOLS: readonly PortProtocol[] = ['tcp', 'udp', 'sctp'];
const SHORT = /^(?:(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+):)?(\d+)(?:\/([a-z]+))?$/i;

export function readPort(report: Reporter, path: FieldPath, value: unknown): PortMapping | undefined {
  if (isPlainMap(value)) return readLongPort(MapReader.of(report, value, path));
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string') {
    report.error(
      path,
      `must be a string like "8080:80" or a mapping with target/published, got ${quote(value)}`,
    );
    return undefined;
  }
  if (/\d-\d/.test(value)) {
    report.error(path, `${quote(value)}: port ranges are not supported; list each port`);
    return undefined;
  }
  const match = SHORT.exec(value.trim());
  if (match === null) {
    report.error(
      path,
      `${quote(value)} is not a port mapping; write "HOST:CONTAINER" (e.g. "8080:80") or "CONTAINER"`,
    );
    return undefined;
  }
  const [, hostIp, hostPort, containerPort, protocol] = match;
  return buildMapping(report, path, value, { hostIp, hostPort, containerPort, protocol });
}

function readLongPort(entry: MapReader): PortMapping | undefined {
  const target = entry.raw('target');
  const published = entry.raw('published');
  const hostIp = entry.string('host_ip');
  const protocol = entry.string('protocol');
  entry.accept('mode', 'name', 'app_protocol');
  entry.finish('warning');
  if (target === undefined) {
    entry.report.error(entry.at('target'), 'is required (the container port)');
    return undefined;
  }
  const text = (part: unknown): string | undefined =>
    part === undefined ? undefined : typeof part === 'number' || typeof part === 'string' ? String(part) : '';
  return buildMapping(entry.report, entry.path, entry.value, {
    hostIp,
    hostPort: text(published),
    containerPort: text(target),
    protocol,
  });
}

interface PortParts {
  hostIp: string | undefined;
  hostPort: string | undefined;
  containerPort: string | undefined;
  protocol: string | undefined;
}

function buildMapping(
  report: Reporter,
  path: FieldPath,
  original: unknown,
  parts: PortParts,
): PortMapping | undefined {
  const containerPort = portNumber(parts.containerPort);
  const hostPort = parts.hostPort === undefined ? undefined : portNumber(parts.hostPort);
  if (containerPort === undefined || (parts.hostPort !== undefined && hostPort === undefined)) {
    report.error(
      path,
      `${quote(original)}: ports must be whole numbers from 1 to 65535 (no ranges, no random host ports)`,
    );
    return undefined;
  }
  const protocol = (parts.protocol ?? 'tcp').toLowerCase() as PortProtocol;
  if (!PROTOCOLS.includes(protocol)) {
    report.error(path, `${quote(original)}: protocol must be tcp, udp or sctp`);
    return undefined;
  }
  const mapping: PortMapping = { containerPort, protocol };
  if (hostPort !== undefined) mapping.hostPort = hostPort;
  // 0.0.0.0 is what publishing means anyway; any other address cannot be honoured.
  if (parts.hostIp !== undefined && parts.hostIp !== '' && parts.hostIp !== '0.0.0.0') {
    mapping.hostIp = parts.hostIp;
    report.warn(
      path,
      `${quote(original)}: the host IP ${parts.hostIp} has no meaning in Kubernetes and is ignored`,
    );
  }
  return mapping;
}

function portNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}
