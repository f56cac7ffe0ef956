// Azure Monitor's common alert schema: the alert instance id is the dedupe key; dimensions,
// custom properties and target resource ids say what the alert is about.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidAlertError } from '../../../webhook/invalid-alert';
import { defaultLabelMapping } from '../../../webhook/label-mapping';
import { normalizeAzure } from '../../../webhook/sources/azure';
import { azureBody } from '../../helpers/webhook-samples';

const ctx = { mapping: defaultLabelMapping('fallback'), receivedAt: '2025-03-04T10:16:03.000Z' };
const SUB = '/subscriptions/11111111-2222-3333-4444-555555555555';

void describe('normalizeAzure', () => {
  void it('takes the node from a metric dimension, the app from custom properties, the cluster from the AKS target', () => {
    const body = azureBody();
    assert.deepEqual(normalizeAzure(body, ctx), [
      {
        source: 'azure',
        dedupeKey: body.data.essentials.alertId,
        status: 'firing',
        name: 'aks-node-not-ready',
        cluster: `${SUB}/resourcegroups/rg-prod/providers/microsoft.containerservice/managedclusters/aks-prod`,
        node: 'aks-nodepool1-12345678-vmss000002',
        app: 'wiki',
        observedAt: '2025-03-04T10:16:02.500Z',
        receivedAt: ctx.receivedAt,
      },
    ]);
  });

  void it('takes a VM scale set instance from the targets, and keeps the key when the alert resolves', () => {
    const body = azureBody();
    const vm = `${SUB}/resourceGroups/MC_rg-prod/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-vmss/virtualMachines/2`;
    body.data.essentials.alertTargetIDs = [vm];
    body.data.alertContext.condition.allOf[0]!.dimensions = [];
    body.data.essentials.monitorCondition = 'Resolved';
    Object.assign(body.data.essentials, { resolvedDateTime: '2025-03-04T10:40:00Z' });
    const [alert] = normalizeAzure(body, ctx);
    assert.equal(alert!.status, 'resolved');
    assert.equal(alert!.instanceId, vm);
    assert.equal(alert!.node, undefined);
    assert.equal(alert!.cluster, 'fallback');
    assert.equal(alert!.dedupeKey, azureBody().data.essentials.alertId);
    assert.equal(alert!.observedAt, '2025-03-04T10:40:00.000Z');
  });

  void it('refuses other schemas and names the missing field', () => {
    assert.throws(
      () => normalizeAzure({ ...azureBody(), schemaId: 'Microsoft.Insights/activityLogs' }, ctx),
      (e) =>
        e instanceof InvalidAlertError && /^schemaId: expected azureMonitorCommonAlertSchema/.test(e.message),
    );
    const noId = azureBody();
    delete (noId.data.essentials as { alertId?: string }).alertId;
    assert.throws(() => normalizeAzure(noId, ctx), /data\.essentials\.alertId: expected a non-empty string/);
    const odd = azureBody();
    odd.data.essentials.monitorCondition = 'Acknowledged';
    assert.throws(() => normalizeAzure(odd, ctx), /monitorCondition: expected Fired or Resolved/);
    assert.throws(
      () => normalizeAzure({ schemaId: 'azureMonitorCommonAlertSchema' }, ctx),
      /^InvalidAlertError: data:/,
    );
  });
});
