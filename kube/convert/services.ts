// Services (reference §3.7): the component Service for published ports (named after ingress
// rules when there are any) and one headless Service per compose service, so `db:5432`
// resolves as it did under compose.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { App, ComposeProject, ComposeService } from '../../kom';
import { distinctContainerPorts } from './containers';
import { componentLabels, LABEL, selectorLabels } from './labels';
import { checkDnsLabel, type AppNames } from './names';
import { ConvertError } from './types';

export interface PublishedPort {
  hostPort: number;
  containerPort: number;
  /** TCP, UDP or SCTP. */
  protocol: string;
}

/**
 * Every published host port with its protocol: `53:53/tcp` and `53:53/udp` are two ports, as
 * in compose. Sorted by port, then protocol.
 */
export function publishedPorts(compose: ComposeProject): PublishedPort[] {
  const ports = new Map<string, PublishedPort>();
  for (const service of compose.services) {
    for (const port of service.ports) {
      if (port.hostPort === undefined) continue;
      const protocol = port.protocol.toUpperCase();
      const key = `${port.hostPort}/${protocol}`;
      const existing = ports.get(key);
      if (existing !== undefined && existing.containerPort !== port.containerPort) {
        throw new ConvertError(
          `host port ${key} is published twice, to container ports ${existing.containerPort} and ${port.containerPort}`,
        );
      }
      ports.set(key, { hostPort: port.hostPort, containerPort: port.containerPort, protocol });
    }
  }
  return [...ports.values()].sort((a, b) => a.hostPort - b.hostPort || a.protocol.localeCompare(b.protocol));
}

/** `p53` for TCP, `p53-udp` otherwise: one name per port and protocol. */
export function portName(port: number, protocol: string): string {
  return `p${port}${protocol === 'TCP' ? '' : `-${protocol.toLowerCase()}`}`;
}

/** Undefined when nothing is published. */
export function buildComponentService(
  app: App,
  compose: ComposeProject,
  names: AppNames,
): V1Service | undefined {
  const published = publishedPorts(compose);
  let ports: V1ServicePort[];
  if (app.ingress.rules.length > 0) {
    // Ingress is HTTP: a rule's port is the TCP one.
    ports = app.ingress.rules.map((rule) => {
      const target = published.find((port) => port.hostPort === rule.port && port.protocol === 'TCP');
      if (target === undefined)
        throw new ConvertError(
          `ingress rule "${rule.name}": TCP port ${rule.port} is not published in compose`,
        );
      return { name: rule.name, port: rule.port, targetPort: target.containerPort, protocol: 'TCP' };
    });
  } else {
    ports = published.map((port) => ({
      name: portName(port.hostPort, port.protocol),
      port: port.hostPort,
      targetPort: port.containerPort,
      protocol: port.protocol,
    }));
  }
  if (ports.length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: names.componentName, namespace: names.namespace, labels: componentLabels(names) },
    spec: { type: 'ClusterIP', selector: selectorLabels(names), ports },
  };
}

export function buildHeadlessServices(compose: ComposeProject, names: AppNames): V1Service[] {
  return compose.services.map((service) => headlessService(service, names));
}

function headlessService(service: ComposeService, names: AppNames): V1Service {
  // kom maps the name to a DNS label starting with a letter and refuses Kompox's own prefixes.
  checkDnsLabel(service.kubeName, `the Service for compose service "${service.name}"`);
  const ports: V1ServicePort[] = distinctContainerPorts(service).map(({ port, protocol }) => ({
    name: portName(port, protocol),
    port,
    targetPort: port,
    protocol,
  }));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: service.kubeName,
      namespace: names.namespace,
      labels: { ...componentLabels(names), [LABEL.headless]: 'true' },
    },
    spec: {
      clusterIP: 'None',
      selector: selectorLabels(names),
      // Headless: DNS answers with the pod IP, so every container port is reachable anyway; the
      // ports listed here add SRV records.
      ...(ports.length > 0 ? { ports } : {}),
    },
  };
}
