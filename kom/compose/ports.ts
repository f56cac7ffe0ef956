// Service `ports:` in short (`8080:80`, `80`, `127.0.0.1:8080:80/tcp`) and long syntax.
import { quote } from '../errors';
import { isPlainMap, MapReader } from '../field-reader';
import type { Reporter } from '../reporter';
import type { FieldPath } from '../yaml-source';
import type { PortMapping, PortProtocol } from './model';

const PROTOCOLS: readonly PortProtocol[] = ['tcp', 'udp', 'sctp'];
const SHORT = /^(?:(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+(?:-\d+)?):)?(\d+(?:-\d+)?)(?:\/([a-z]+))?$/i;
/** Every port of a range becomes a Service port; a longer range is almost always a mistake. */
export const MAX_PORT_RANGE = 100;

/** One entry of `ports:`; a range (`3000-3005:3000-3005`) yields one mapping per port. */
export function readPort(report: Reporter, path: FieldPath, value: unknown): PortMapping[] {
  if (isPlainMap(value)) return readLongPort(MapReader.of(report, value, path));
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string') {
    report.error(
      path,
      `must be a string like "8080:80" or a mapping with target/published, got ${quote(value)}`,
    );
    return [];
  }
  const match = SHORT.exec(value.trim());
  if (match === null) {
    report.error(
      path,
      `${quote(value)} is not a port mapping; write "HOST:CONTAINER" (e.g. "8080:80") or "CONTAINER"`,
    );
    return [];
  }
  const [, hostIp, hostPort, containerPort, protocol] = match;
  return buildMappings(report, path, value, { hostIp, hostPort, containerPort, protocol });
}

function readLongPort(entry: MapReader): PortMapping[] {
  const target = entry.raw('target');
  const published = entry.raw('published');
  const hostIp = entry.string('host_ip');
  const protocol = entry.string('protocol');
  entry.accept('mode', 'name', 'app_protocol');
  entry.finish('warning');
  if (target === undefined) {
    entry.report.error(entry.at('target'), 'is required (the container port)');
    return [];
  }
  const text = (part: unknown): string | undefined =>
    part === undefined ? undefined : typeof part === 'number' || typeof part === 'string' ? String(part) : '';
  return buildMappings(entry.report, entry.path, entry.value, {
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

function buildMappings(
  report: Reporter,
  path: FieldPath,
  original: unknown,
  parts: PortParts,
): PortMapping[] {
  const containerPorts = portRange(parts.containerPort);
  const hostPorts = parts.hostPort === undefined ? undefined : portRange(parts.hostPort);
  if (containerPorts === undefined || (parts.hostPort !== undefined && hostPorts === undefined)) {
    report.error(
      path,
      `${quote(original)}: ports must be whole numbers from 1 to 65535, a range written low-high (no random host ports)`,
    );
    return [];
  }
  if (hostPorts !== undefined && hostPorts.length !== containerPorts.length) {
    report.error(
      path,
      `${quote(original)}: the host range has ${hostPorts.length} ports and the container range ${containerPorts.length}; Kompox publishes each port on the same offset, so give both ranges the same length`,
    );
    return [];
  }
  if (containerPorts.length > MAX_PORT_RANGE) {
    report.error(
      path,
      `${quote(original)}: a range of ${containerPorts.length} ports; at most ${MAX_PORT_RANGE} are published, each becomes a Service port`,
    );
    return [];
  }
  const protocol = (parts.protocol ?? 'tcp').toLowerCase() as PortProtocol;
  if (!PROTOCOLS.includes(protocol)) {
    report.error(path, `${quote(original)}: protocol must be tcp, udp or sctp`);
    return [];
  }
  // 0.0.0.0 is what publishing means anyway; any other address cannot be honoured.
  const hostIp =
    parts.hostIp !== undefined && parts.hostIp !== '' && parts.hostIp !== '0.0.0.0'
      ? parts.hostIp
      : undefined;
  if (hostIp !== undefined) {
    report.warn(
      path,
      `${quote(original)}: the host IP ${hostIp} has no meaning in Kubernetes and is ignored`,
    );
  }
  return containerPorts.map((containerPort, index) => {
    const mapping: PortMapping = { containerPort, protocol };
    const hostPort = hostPorts?.[index];
    if (hostPort !== undefined) mapping.hostPort = hostPort;
    if (hostIp !== undefined) mapping.hostIp = hostIp;
    return mapping;
  });
}

/** `80` → [80]; `3000-3002` → [3000, 3001, 3002]; undefined when malformed. */
function portRange(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const [low, high, ...rest] = text.split('-');
  const first = portNumber(low);
  const last = high === undefined ? first : portNumber(high);
  if (first === undefined || last === undefined || rest.length > 0 || last < first) return undefined;
  return Array.from({ length: last - first + 1 }, (_, offset) => first + offset);
}

function portNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}
