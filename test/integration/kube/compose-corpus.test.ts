// Every compose file of the corpus that renders is accepted by a real apiserver: a server-side
// dry run of each object validates it as a deploy would apply it (field names, name formats,
// probe and sidecar rules), without creating anything but the app's namespace.
import { CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KomError } from '../../../kom';
import { applyObject } from '../../../kube/apply';
import { convertApp, localFileValues, placeholderDisks } from '../../../kube/convert';
import { corpus, CORPUS, expectationOf, resolveCorpusFile } from '../../helpers/compose-corpus';
import { testCluster, type TestCluster } from '../../helpers/kube-cluster';

let c: TestCluster;
const namespaces = new Set<string>();

before(async () => {
  c = await testCluster();
});

after(async () => {
  const core = c.kc.makeApiClient(CoreV1Api);
  for (const name of namespaces) await core.deleteNamespace({ name }).catch(() => undefined);
});

/** A dry run of a namespaced object needs its namespace to exist, so that one is applied for real. */
async function dryRunAll(objects: readonly KubernetesObject[]): Promise<void> {
  for (const object of objects) {
    if (object.kind === 'Namespace') {
      if (!namespaces.has(object.metadata?.name ?? '')) await applyObject(c.kc, object);
      namespaces.add(object.metadata?.name ?? '');
      continue;
    }
    await applyObject(c.kc, object, { dryRun: true });
  }
}

void describe('compose corpus: server-side dry run', () => {
  const rendered = corpus.filter(
    (name) => expectationOf(fs.readFileSync(path.join(CORPUS, name), 'utf8'), name).outcome.kind === 'render',
  );

  void it('covers every corpus file that renders', () => {
    assert.ok(rendered.length >= 50, `${rendered.length} files`);
  });

  for (const name of rendered) {
    void it(name, async () => {
      const text = fs.readFileSync(path.join(CORPUS, name), 'utf8');
      let context;
      try {
        context = resolveCorpusFile(text, expectationOf(text, name).volumes);
      } catch (error) {
        if (error instanceof KomError) assert.fail(`${name} no longer validates:\n${error.message}`);
        throw error;
      }
      const result = convertApp({ context, disks: placeholderDisks(context), values: localFileValues() });
      await dryRunAll(result.objects);
    });
  }
});
