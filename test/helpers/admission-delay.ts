// A validating admission webhook, served from the test process, that holds chosen requests of
// one namespace for a while before allowing them. It makes a step of a deploy take long
// enough to kill the worker in the middle of it, on the real apiserver, without touching
// product code. It serves with the dev cluster's own apiserver certificate (issued for
// 127.0.0.1 by the cluster CA), so the apiserver verifies it like any webhook.
import { AdmissionregistrationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound } from '../../kube/errors';

export interface AdmissionDelay {
  /** Requests held so far, as "OPERATION resource/name". */
  readonly seen: string[];
  stop(): Promise<void>;
}

interface AdmissionReview {
  request?: {
    uid: string;
    operation?: string;
    name?: string;
    resource?: { resource?: string };
    dryRun?: boolean;
  };
}

export async function startAdmissionDelay(
  kc: KubeConfig,
  opts: {
    /** The cluster dir (<dev dir>/k8s) whose pki/ holds the CA and the apiserver's key pair. */
    clusterDir: string;
    name: string;
    namespace: string;
    operations: ('CREATE' | 'UPDATE' | 'DELETE')[];
    /** Resources of the core group (v1), e.g. persistentvolumeclaims. */
    resources: string[];
    delayMs: number;
  },
): Promise<AdmissionDelay> {
  const pki = join(opts.clusterDir, 'pki');
  const seen: string[] = [];
  const server: Server = createServer(
    { cert: readFileSync(join(pki, 'apiserver.crt')), key: readFileSync(join(pki, 'apiserver.key')) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
          const r = review.request;
          // Deploy dry-runs the whole render before applying it; only the real writes are held.
          if (!r?.dryRun) {
            seen.push(`${r?.operation ?? '?'} ${r?.resource?.resource ?? '?'}/${r?.name ?? '?'}`);
            await sleep(opts.delayMs);
          }
          res.setHeader('Content-Type', 'application/json');
          res.end(
            JSON.stringify({
              apiVersion: 'admission.k8s.io/v1',
              kind: 'AdmissionReview',
              response: { uid: r?.uid ?? '', allowed: true },
            }),
          );
        })();
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('webhook server has no port');
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  await api.createValidatingWebhookConfiguration({
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: opts.name },
      webhooks: [
        {
          name: `${opts.name}.test.kompox.dev`,
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          // A webhook that is gone must not wedge the cluster for the tests after this one.
          failurePolicy: 'Ignore',
          timeoutSeconds: Math.min(30, Math.ceil(opts.delayMs / 1000) + 5),
          clientConfig: {
            url: `https://127.0.0.1:${address.port}/`,
            caBundle: readFileSync(join(pki, 'ca.crt')).toString('base64'),
          },
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': opts.namespace } },
          rules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: opts.operations,
              resources: opts.resources,
              scope: 'Namespaced',
            },
          ],
        },
      ],
    },
  });
  return {
    seen,
    async stop() {
      try {
        await api.deleteValidatingWebhookConfiguration({ name: opts.name });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
