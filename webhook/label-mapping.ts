// Which labels (Alertmanager labels, Azure dimensions, CloudWatch dimensions, GCP resource and
// metric labels) say which cluster, node, machine, app and zone an alert is about. Each source
// has its own defaults; a mapping file replaces any of the lists, because every monitoring
// setup names its labels its own way.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ALERT_SOURCES, type AlertSource } from '../api/alert';

export const TARGET_FIELDS = ['cluster', 'node', 'instanceId', 'app', 'zone'] as const;
export type TargetField = (typeof TARGET_FIELDS)[number];

/** For each field, the label names to look at, first match wins. */
export type LabelLists = Record<TargetField, readonly string[]>;

export interface LabelMapping {
  sources: Record<AlertSource, LabelLists>;
  /** The cluster of an alert that names none. */
  defaultCluster?: string;
}

/** What an alert is about, as far as its labels say. */
export type AlertTarget = Partial<Record<TargetField, string>>;

const COMMON: LabelLists = {
  cluster: ['cluster', 'cluster_name', 'kompox_cluster'],
  node: ['node', 'kubernetes_node', 'nodename', 'instance'],
  instanceId: ['instance_id', 'provider_id'],
  app: ['app', 'kompox_app'],
  zone: ['zone', 'topology_kubernetes_io_zone', 'availability_zone'],
};

const DEFAULTS: Record<AlertSource, LabelLists> = {
  alertmanager: COMMON,
  // Container insights names the node `host` in its node metrics.
  azure: { ...COMMON, node: [...COMMON.node, 'host'] },
  // CloudWatch dimensions: EC2's InstanceId, Container Insights' ClusterName and NodeName.
  sns: {
    cluster: ['ClusterName', ...COMMON.cluster],
    node: ['NodeName', ...COMMON.node],
    instanceId: ['InstanceId', ...COMMON.instanceId],
    app: COMMON.app,
    zone: ['AvailabilityZone', ...COMMON.zone],
  },
  // gce_instance and k8s_node resource labels: instance_id, zone, node_name, cluster_name.
  gcp: { ...COMMON, node: ['node_name', ...COMMON.node] },
};

export function defaultLabelMapping(defaultCluster?: string): LabelMapping {
  return { sources: { ...DEFAULTS }, ...(defaultCluster ? { defaultCluster } : {}) };
}

export class LabelMappingError extends Error {
  override name = 'LabelMappingError';
}

/**
 * The defaults with a mapping file's lists in place of theirs, e.g.
 * `{ alertmanager: { node: [host], cluster: [k8s_cluster] }, defaultCluster: prod }`.
 */
export function parseLabelMapping(text: string, file: string): LabelMapping {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new LabelMappingError(`${file}: not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const mapping = defaultLabelMapping();
  if (doc === null || doc === undefined) return mapping;
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new LabelMappingError(`${file}: expected a map of sources (${ALERT_SOURCES.join(', ')})`);
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'defaultCluster') {
      if (typeof value !== 'string' || value === '')
        throw new LabelMappingError(`${file}: defaultCluster: expected a cluster name`);
      mapping.defaultCluster = value;
      continue;
    }
    if (!(ALERT_SOURCES as readonly string[]).includes(key))
      throw new LabelMappingError(
        `${file}: ${key}: not a source; expected one of ${ALERT_SOURCES.join(', ')} or defaultCluster`,
      );
    const source = key as AlertSource;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new LabelMappingError(
        `${file}: ${source}: expected a map of fields (${TARGET_FIELDS.join(', ')})`,
      );
    const lists: LabelLists = { ...mapping.sources[source] };
    for (const [field, names] of Object.entries(value as Record<string, unknown>)) {
      if (!(TARGET_FIELDS as readonly string[]).includes(field))
        throw new LabelMappingError(
          `${file}: ${source}.${field}: not a field; expected one of ${TARGET_FIELDS.join(', ')}`,
        );
      const list = typeof names === 'string' ? [names] : names;
      if (!Array.isArray(list) || !list.every((n) => typeof n === 'string' && n !== ''))
        throw new LabelMappingError(`${file}: ${source}.${field}: expected a list of label names`);
      lists[field as TargetField] = list as string[];
    }
    mapping.sources[source] = lists;
  }
  return mapping;
}

export function loadLabelMapping(file: string): LabelMapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LabelMappingError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return parseLabelMapping(text, file);
}

/**
 * A cloud machine rather than a Kubernetes node name: a providerID, an ARM resource id, an EC2
 * instance id or an OCI OCID. The worker maps these to nodes through `spec.providerID`.
 */
export function isMachineId(value: string): boolean {
  return (
    /^(aws|azure|gce|oci):\/\/./.test(value) ||
    /^\/subscriptions\//i.test(value) ||
    /^i-[0-9a-f]{8,17}$/.test(value) ||
    /^ocid1\.[a-z0-9]+\./.test(value)
  );
}

/** Prometheus' `instance` label is a scrape target, `host:port`; the port names no machine. */
function withoutPort(value: string): string {
  const v6 = /^\[([^\]]+)\]:\d+$/.exec(value);
  if (v6) return v6[1]!;
  return /^[^:]+:\d+$/.test(value) ? value.slice(0, value.lastIndexOf(':')) : value;
}

export function mapLabels(
  labels: Readonly<Record<string, string>>,
  lists: LabelLists,
  defaultCluster?: string,
): AlertTarget {
  const pick = (field: TargetField): [string, string] | undefined => {
    for (const name of lists[field]) {
      const v = labels[name];
      if (v) return [name, v];
    }
    return undefined;
  };
  const target: AlertTarget = {};
  for (const field of ['cluster', 'instanceId', 'app', 'zone'] as const) {
    const hit = pick(field);
    if (hit) target[field] = hit[1];
  }
  const node = pick('node');
  if (node) {
    const value = node[0] === 'instance' ? withoutPort(node[1]) : node[1];
    if (!isMachineId(value)) target.node = value;
    else target.instanceId ??= value;
  }
  if (!target.cluster && defaultCluster) target.cluster = defaultCluster;
  return target;
}
