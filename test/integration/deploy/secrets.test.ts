// Secret values (env files, compose secrets from files) reach the cluster's Secrets and never
// a Temporal history: rendering happens inside the apply activity, and only names, counts and
// hashes cross into workflows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppStatus } from '../../../cli/commands/app';
import { appControllerWorkflowId } from '../../../api/ids';
import { controllerViewQuery } from '../../../api/messages';
import type { OperationRecord } from '../../../api/operation';
import { kompoxopsJson, shopProject, wikiProject } from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';
import { appObjects } from '../../helpers/kube-app';

/** Every string in a history, with payload bytes decoded as UTF-8 and also given as base64. */
function historyText(history: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (v instanceof Uint8Array) {
      parts.push(Buffer.from(v).toString('utf8'), Buffer.from(v).toString('base64'));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(history);
  // JSON.stringify as well, in case the client hands some bytes over in another shape.
  return `${parts.join('\n')}\n${JSON.stringify(history)}`;
}

/**
 * Forms a leaked value could take: itself, and the part of its base64 that does not depend on
 * what comes before or after it, for each of the three alignments it can have in a longer text.
 */
function leakForms(value: string): string[] {
  const forms = [value];
  const length = Buffer.byteLength(value);
  for (let align = 0; align < 3; align++) {
    const b64 = Buffer.from(`${'x'.repeat(align)}${value}`).toString('base64');
    forms.push(b64.slice(align === 0 ? 0 : 4, 4 * Math.floor((align + length) / 3)));
  }
  return forms;
}

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
      for (const id of ids) {
        const history = await suite.stack.client.workflow.getHandle(id).fetchHistory();
        assert.ok((history.events ?? []).length > 0, `${id} has no history`);
        const text = historyText(history);
        // Payloads were decoded: the deploy's result (in payload bytes) shows its render hash.
        if (id === op.workflowId)
          assert.ok(text.includes(String(op.figures?.renderHash)), 'payloads not decoded');
        for (const value of p.secretValues) {
          for (const form of leakForms(value))
            assert.ok(!text.includes(form), `${id} holds secret value ${value} (as "${form}")`);
        }
      }
    });
  }
});
