// Small builders shared by the kube integration tests: a namespace per test and a Kompox-shaped
// Deployment (one replica, Recreate, pinned by node affinity, short eviction tolerations).
import { CoreV1Api, KubeConfig, V1Deployment, V1Toleration } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { applyObject } from '../../../kube/apply';

export async function tempNamespace(
  kc: KubeConfig,
  prefix: string,
): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await applyObject(kc, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return {
    name,
    remove: async () => {
      await kc
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name })
        .catch(() => undefined);
    },
  };
}

/**
 * node-failure.test breaks nodes in the first two zones; the other tests stay in the last zone, so
 * files may run concurrently without a failed node stalling an unrelated rollout.
 */
export const quietZone = (zones: string[]): string => zones[zones.length - 1] ?? 'local-1c';

export function evictAfter(seconds: number): V1Toleration[] {
  return ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: seconds,
  }));
}

export function appDeployment(opts: {
  namespace: string;
  name: string;
  zones?: string[];
  claim?: string;
  tolerations?: V1Toleration[];
}): V1Deployment {
  const labels = { app: opts.name, 'app.kubernetes.io/name': opts.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: opts.name, namespace: opts.namespace, labels },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { app: opts.name } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'registry.invalid/app:1',
              volumeMounts: opts.claim ? [{ name: 'data', mountPath: '/data' }] : undefined,
            },
          ],
          volumes: opts.claim
            ? [{ name: 'data', persistentVolumeClaim: { claimName: opts.claim } }]
            : undefined,
          tolerations: opts.tolerations,
          affinity: opts.zones
            ? {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                      {
                        matchExpressions: [
                          { key: 'topology.kubernetes.io/zone', operator: 'In', values: opts.zones },
                          { key: 'kompox.dev/node-pool', operator: 'In', values: ['user'] },
                        ],
                      },
                    ],
                  },
                },
              }
            : undefined,
        },
      },
    },
  };
}
