// Secret values (env files, compose secrets from files) reach the cluster's Secrets and travel
// through Temporal only encrypted: they are in the app revision each deploy carries, and every
// payload is encrypted by the codec. Histories are read as stored (no secret byte in any
// encoding, not even the render hash readable) and decoded with the stack's key (the positive
// control: the values are there, so the raw scan is looking in the right place).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppStatus } from '../../../cli/commands/app';
import { EncryptionCodec } from '../../../client/codec/encryption-codec';
import { loadKeyRing } from '../../../client/codec/key-source';
import { appControllerWorkflowId } from '../../../api/ids';
import { controllerViewQuery } from '../../../api/messages';
import type { OperationRecord } from '../../../api/operation';
import { kompoxopsJson, shopProject, wikiProject } from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';
import { appObjects } from '../../helpers/kube-app';
import { findLeak, payloadsOf } from '../../helpers/leak-scan';

void describe('secret values and workflow histories', () => {
  const suite = deploySuite();
  const projects = [suite.track(wikiProject('secretive')), suite.track(shopProject('vault'))];

  for (const p of projects) {
    void it(`${p.appName}: secrets are in the cluster's Secrets and in no history`, async () => {
      const op = await kompoxopsJson<OperationRecord>(
        suite.stack,
        p.dir,
        'app',
        'deploy',
        '--bootstrap-disks',
      );
      assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
      // Redeploy with a change to nothing: a second pass through the same activities.
      const again = await kompoxopsJson<OperationRecord>(suite.stack, p.dir, 'app', 'deploy');
      assert.equal(again.phase, 'Completed', JSON.stringify(again.failure));

      // The positive control: every value is in some Secret of the app's namespace.
      const status = await kompoxopsJson<AppStatus>(suite.stack, p.dir, 'app', 'status');
      const objs = await appObjects(suite.kc, status.namespace, p.appName);
      const secretData = objs.secrets.flatMap((s) =>
        Object.values(s.data ?? {}).map((b64) => Buffer.from(b64, 'base64').toString('utf8')),
      );
      for (const value of p.secretValues) {
        assert.ok(
          secretData.some((d) => d.includes(value)),
          `${value} is in no Secret of ${status.namespace}`,
        );
        // …and in no ConfigMap or Deployment (env values go through secretRef, not inline).
        assert.ok(!JSON.stringify(objs.configMaps).includes(value), `${value} is in a ConfigMap`);
        assert.ok(!JSON.stringify(objs.deployments).includes(value), `${value} is inline in the Deployment`);
      }

      // Every workflow this app ran: the controller and each operation's child.
      const controllerId = appControllerWorkflowId(p.appKey);
      const view = await suite.stack.client.workflow.getHandle(controllerId).query(controllerViewQuery);
      const ids = [
        controllerId,
        ...view.recentOperations.flatMap((o) => (o.workflowId ? [o.workflowId] : [])),
      ];
      for (const o of [op, again]) assert.ok(o.workflowId && ids.includes(o.workflowId));
      // disk.bootstrap runs inside the first deploy; the two deploys and the controller at least.
      assert.ok(ids.length >= 3, `workflows: ${ids.join(', ')}`);
      const codec = new EncryptionCodec(loadKeyRing({ env: {}, devDir: suite.stack.dir }));
      const renderHash = String(op.figures?.renderHash);
      const travelled = new Set<string>();
      for (const id of ids) {
        // fetchHistory hands back the history as stored: no data converter runs on it.
        const raw = await suite.stack.client.workflow.getHandle(id).fetchHistory();
        assert.ok((raw.events ?? []).length > 0, `${id} has no history`);
        const payloads = payloadsOf(raw).filter((x) => !x.path.includes('.searchAttributes.'));
        const decoded = await codec.decode(payloads.map((x) => x.payload));
        // The positive control: decoded, the deploy's result shows its render hash; raw, it does not.
        if (id === op.workflowId) {
          assert.notEqual(findLeak(decoded, renderHash), '', 'the render hash is in no decoded payload');
          assert.equal(findLeak(raw, renderHash), '', 'the deploy result is readable without the key');
        }
        for (const value of p.secretValues) {
          assert.equal(findLeak(raw, value), '', `${id} holds secret value ${value}`);
          if (findLeak(decoded, value) !== '') travelled.add(value);
        }
      }
      // The positive control: the values do travel (inside the app revision), only encrypted.
      assert.deepEqual(
        [...travelled].sort(),
        [...p.secretValues].sort(),
        'secret values in no decoded payload',
      );
    });
  }
});
