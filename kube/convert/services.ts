// Services (reference §3.7): the component Service for published ports (named after ingress
// rules when there are any) and one headless Service per compose service, so `db:5432`
// resolves as it did under compose.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { App, ComposeProject, ComposeService } from '../../kom';
import { distinctContainerPorts } from './containers';
import { componentLabels, LABEL, selectorLabels } from './labels';
import { checkDnsLabel, type AppNames } from './names';
import { ConvertError } from './types';

/** Host port → the container port and protocol behind it. */
export function publishedPorts(
  compose: ComposeProject,
): Map<number, { containerPort: number; protocol: string }> {
  const ports = new Map<number, { containerPort: number; protocol: string }>();
  for (const service of compose.services) {
    for (const port of service.ports) {
      if (port.hostPort === undefined) continue;
      const existing = ports.get(port.hostPort);
      if (existing !== undefined && existing.containerPort !== port.containerPort) {
        throw new ConvertError(
          `host port ${port.hostPort} is published twice, to container ports ${existing.containerPort} and ${port.containerPort}`,
        );
      }
      ports.set(port.hostPort, { containerPort: port.containerPort, protocol: port.protocol.toUpperCase() });
    }
  }
  return ports;
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
    ports = app.ingress.rules.map((rule) => {
      const target = published.get(rule.port);
      if (target === undefined)
        throw new ConvertError(`ingress rule "${rule.name}": port ${rule.port} is not published in compose`);
      return { name: rule.name, port: rule.port, targetPort: target.containerPort, protocol: 'TCP' };
    });
  } else {
    ports = [...published.keys()]
      .sort((a, b) => a - b)
      .map((hostPort) => {
        const target = published.get(hostPort) as { containerPort: number; protocol: string };
        return {
          name: `p${hostPort}`,
          port: hostPort,
          targetPort: target.containerPort,
          protocol: target.protocol,
        };
      });
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
    name: `p${port}${protocol === 'TCP' ? '' : `-${protocol.toLowerCase()}`}`,
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
