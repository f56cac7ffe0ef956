// `kompoxops worker manifests`: the Kubernetes objects that run Kompox's worker inside a cluster
// with least privilege. The worker and its webhook receiver run in one Deployment (replicas poll
// one task queue, so they scale horizontally); its ServiceAccount holds only the ClusterRole's
// rules; Secrets (codec key, webhook token, Temporal TLS material and API key) are referenced by
// name and mounted as files, never inlined; the worker configuration routes the cluster
// in-cluster.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Document, isMap, isSeq, stringify } from 'yaml';
import { WORKER_CLUSTER_ROLE_RULES } from './cluster-role';

export interface WorkerManifestOptions {
  namespace: string;
  image: string;
  replicas: number;
  temporalAddress: string;
  temporalNamespace: string;
  /** The Secret holding the codec keys (key `codec-keys`, the KOMPOX_CODEC_KEY_FILE format). */
  codecKeySecret: string;
  /** The Secret holding the alert senders' bearer token (key `token`). */
  webhookTokenSecret: string;
  /** The Secret holding Temporal client TLS material (keys tls.crt, tls.key, ca.crt), if any. */
  temporalTlsSecret?: string;
  /** The Secret holding the Temporal API key (key `api-key`), if any. */
  temporalApiKeySecret?: string;
  // The Cluster Resource ID (or `*/cls/NAME`, or `*`) this worker routes in-cluster.
  cluster: string;
}

export const WORKER_NAME = 'kompox-worker';
export const WEBHOOK_PORT = 9095;
export const METRICS_PORT = 9464;
const CONFIG_DIR = '/etc/kompox';
const SECRETS_DIR = '/var/run/secrets/kompox';

/** The keys each referenced Secret must hold. */
export const SECRET_KEYS = {
  codecKey: 'codec-keys',
  webhookToken: 'token',
  tls: { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' },
  apiKey: 'api-key',
} as const;

export function renderWorkerManifests(o: WorkerManifestOptions): KubernetesObject[] {
  const labels = { 'app.kubernetes.io/name': WORKER_NAME, 'app.kubernetes.io/part-of': 'kompox' };
  const selector = { 'app.kubernetes.io/name': WORKER_NAME };
  const meta = (name: string, namespaced = true) => ({
    name,
    ...(namespaced ? { namespace: o.namespace } : {}),
    labels,
  });
  const secretVolume = (name: string, secretName: string) => ({ name, secret: { secretName } });
  const mount = (name: string, dir: string) => ({ name, mountPath: dir, readOnly: true });
  const tlsDir = `${SECRETS_DIR}/temporal-tls`;
  const env = [
    { name: 'KOMPOX_CODEC_KEY_FILE', value: `${SECRETS_DIR}/codec/${SECRET_KEYS.codecKey}` },
    // Another engineer's TLS and API-key options read these; rendered only when a Secret is named.
    ...(o.temporalTlsSecret
      ? [
          { name: 'TEMPORAL_TLS_CERT', value: `${tlsDir}/${SECRET_KEYS.tls.cert}` },
          { name: 'TEMPORAL_TLS_KEY', value: `${tlsDir}/${SECRET_KEYS.tls.key}` },
          { name: 'TEMPORAL_TLS_CA', value: `${tlsDir}/${SECRET_KEYS.tls.ca}` },
        ]
      : []),
    ...(o.temporalApiKeySecret
      ? [
          {
            name: 'TEMPORAL_API_KEY',
            valueFrom: { secretKeyRef: { name: o.temporalApiKeySecret, key: SECRET_KEYS.apiKey } },
          },
        ]
      : []),
  ];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(WORKER_NAME),
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: WORKER_NAME,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 },
          containers: [
            {
              name: 'worker',
              image: o.image,
              args: [
                '--temporal-address',
                o.temporalAddress,
                '--namespace',
                o.temporalNamespace,
                'worker',
                '--config',
                `${CONFIG_DIR}/worker.yaml`,
                '--state-dir',
                '/var/lib/kompox',
                '--metrics-address',
                `0.0.0.0:${METRICS_PORT}`,
                '--webhook-listen',
                `0.0.0.0:${WEBHOOK_PORT}`,
                '--webhook-token-file',
                `${SECRETS_DIR}/webhook/${SECRET_KEYS.webhookToken}`,
              ],
              env,
              ports: [
                { name: 'webhook', containerPort: WEBHOOK_PORT },
                { name: 'metrics', containerPort: METRICS_PORT },
              ],
              readinessProbe: { httpGet: { path: '/healthz', port: 'webhook' }, periodSeconds: 10 },
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'webhook' },
                initialDelaySeconds: 10,
                periodSeconds: 20,
              },
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                mount('config', CONFIG_DIR),
                mount('codec-key', `${SECRETS_DIR}/codec`),
                mount('webhook-token', `${SECRETS_DIR}/webhook`),
                ...(o.temporalTlsSecret ? [mount('temporal-tls', tlsDir)] : []),
                { name: 'state', mountPath: '/var/lib/kompox' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: WORKER_NAME } },
            secretVolume('codec-key', o.codecKeySecret),
            secretVolume('webhook-token', o.webhookTokenSecret),
            ...(o.temporalTlsSecret ? [secretVolume('temporal-tls', o.temporalTlsSecret)] : []),
            { name: 'state', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(WORKER_NAME) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(WORKER_NAME, false),
      rules: WORKER_CLUSTER_ROLE_RULES.map(({ apiGroups, resources, verbs }) => ({
        apiGroups,
        resources,
        verbs,
      })),
    } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(WORKER_NAME, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: WORKER_NAME },
      subjects: [{ kind: 'ServiceAccount', name: WORKER_NAME, namespace: o.namespace }],
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(WORKER_NAME),
      data: { 'worker.yaml': stringify({ clusters: { [o.cluster]: { inCluster: true } } }) },
    } as KubernetesObject,
    deployment,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(WORKER_NAME),
      spec: {
        selector,
        ports: [{ name: 'webhook', port: WEBHOOK_PORT, targetPort: 'webhook' }],
      },
    } as KubernetesObject,
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(WORKER_NAME),
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress'],
        // Alert senders reach the webhook; Prometheus scrapes the metrics; nothing else comes in.
        ingress: [{ ports: [{ port: WEBHOOK_PORT }, { port: METRICS_PORT }] }],
      },
    } as KubernetesObject,
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(WORKER_NAME),
      spec: { minAvailable: 1, selector: { matchLabels: selector } },
    } as KubernetesObject,
  ];
}

/** The objects as one YAML stream, each ClusterRole rule preceded by its reason. */
export function workerManifestsYaml(objects: KubernetesObject[]): string {
  return objects
    .map((obj) => {
      const doc = new Document(obj);
      if (obj.kind === 'ClusterRole') {
        const rules = isMap(doc.contents) ? doc.contents.get('rules', true) : undefined;
        if (isSeq(rules))
          rules.items.forEach((item, i) => {
            (item as { commentBefore?: string }).commentBefore = ` ${WORKER_CLUSTER_ROLE_RULES[i]!.why}`;
          });
      }
      return doc.toString();
    })
    .join('---\n');
}
