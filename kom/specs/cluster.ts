import type { ResourceDocument } from '../documents';
import {
  PROTECTION_LEVELS,
  type Cluster,
  type ClusterCertificate,
  type ClusterIngress,
} from '../model/resources';
import { MapReader } from '../field-reader';
import { dnsLabelProblem } from '../resource-id';
import { parentIdOf, resourceMeta } from './resource-meta';

const DEFAULT_INGRESS_NAMESPACE = 'traefik';
const DEFAULT_INGRESS_SERVICE_ACCOUNT = 'ingress-service-account';

export function readCluster(document: ResourceDocument): Cluster {
  const spec = document.spec;
  const protection = spec.map('protection');
  const cluster: Cluster = {
    kind: 'Cluster',
    ...resourceMeta(document),
    providerId: parentIdOf(document),
    existing: spec.bool('existing') ?? false,
    ingress: readClusterIngress(spec.map('ingress')),
    protection: {
      provisioning: protection.enumOf('provisioning', PROTECTION_LEVELS) ?? 'none',
      installation: protection.enumOf('installation', PROTECTION_LEVELS) ?? 'none',
    },
    settings: spec.stringMap('settings'),
  };
  protection.finish('error');
  spec.finish('warning');
  return cluster;
}

function readClusterIngress(ingress: MapReader): ClusterIngress {
  const result: ClusterIngress = {
    namespace: ingress.string('namespace') ?? DEFAULT_INGRESS_NAMESPACE,
    serviceAccount: ingress.string('serviceAccount') ?? DEFAULT_INGRESS_SERVICE_ACCOUNT,
    certificates: ingress.list('certificates').flatMap((item) => {
      const entry = MapReader.of(ingress.report, item.value, item.path);
      const name = entry.requiredString('name');
      const source = entry.requiredString('source');
      entry.finish('warning');
      if (name === undefined || source === undefined) return [];
      // The certificate becomes the Kubernetes Secret `tls-<name>`.
      const problem = dnsLabelProblem(name, 59);
      if (problem !== undefined) entry.report.error(entry.at('name'), problem);
      const certificate: ClusterCertificate = { name, source };
      return [certificate];
    }),
  };
  const optional = ['controller', 'domain', 'certResolver', 'certEmail'] as const;
  for (const key of optional) {
    const value = ingress.string(key);
    if (value !== undefined) result[key] = value;
  }
  ingress.finish('warning');
  return result;
}
