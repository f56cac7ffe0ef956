// Google Cloud Monitoring incidents: open is firing, closed resolved, the incident id the key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultLabelMapping } from '../../../webhook/label-mapping';
import { normalizeGcp } from '../../../webhook/sources/gcp';
import { gcpBody } from '../../helpers/webhook-samples';

const ctx = { mapping: defaultLabelMapping(), receivedAt: '2025-03-04T10:17:00.000Z' };

void describe('normalizeGcp', () => {
  void it('reads a k8s_node incident: node, cluster and zone from the resource and metric labels', () => {
    assert.deepEqual(normalizeGcp(gcpBody(), ctx), [
      {
        source: 'gcp',
        dedupeKey: '0.nk7zq1x3m2p4',
        status: 'firing',
        name: 'GKE node not ready',
        cluster: 'gke-prod',
        node: 'gke-prod-pool-1-abcd1234-x7k2',
        zone: 'europe-west1-b',
        observedAt: '2025-03-04T10:16:30.000Z',
        receivedAt: ctx.receivedAt,
      },
    ]);
  });

  void it('reads a closed gce_instance incident by instance id, with the same key as when it opened', () => {
    const body = gcpBody();
    body.incident.state = 'closed';
    (body.incident as { ended_at: number | null }).ended_at = 1741084000;
    body.incident.resource = {
      type: 'gce_instance',
      labels: { project_id: 'acme-prod', instance_id: '4527931265392749281', zone: 'europe-west1-c' },
    } as never;
    body.incident.metric.labels = {} as never;
    const [alert] = normalizeGcp(body, ctx);
    assert.equal(alert!.status, 'resolved');
    assert.equal(alert!.dedupeKey, '0.nk7zq1x3m2p4');
    assert.equal(alert!.instanceId, '4527931265392749281');
    assert.equal(alert!.zone, 'europe-west1-c');
    assert.equal(alert!.node, undefined);
    assert.equal(alert!.observedAt, '2025-03-04T10:26:40.000Z');
  });

  void it('names the missing or wrong field', () => {
    assert.throws(
      () => normalizeGcp({ version: '1.2' }, ctx),
      /^InvalidAlertError: incident: expected an object/,
    );
    const noId = gcpBody();
    delete (noId.incident as { incident_id?: string }).incident_id;
    assert.throws(() => normalizeGcp(noId, ctx), /incident\.incident_id: expected a non-empty string/);
    const odd = gcpBody();
    odd.incident.state = 'acknowledged';
    assert.throws(() => normalizeGcp(odd, ctx), /incident\.state: expected open or closed/);
  });
});
