// Label mapping: default label lists per source, machine ids told from node names, and a
// mapping file that replaces lists and says precisely what is wrong with it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  LabelMappingError,
  defaultLabelMapping,
  isMachineId,
  loadLabelMapping,
  mapLabels,
  parseLabelMapping,
} from '../../../webhook/label-mapping';

const am = defaultLabelMapping().sources.alertmanager;

void describe('mapLabels', () => {
  void it('takes the first label of each list, and the default cluster only when none is named', () => {
    assert.deepEqual(
      mapLabels(
        {
          kubernetes_node: 'n1',
          nodename: 'n2',
          cluster_name: 'c1',
          kompox_app: 'wiki',
          availability_zone: 'z1',
        },
        am,
        'dflt',
      ),
      { cluster: 'c1', node: 'n1', app: 'wiki', zone: 'z1' },
    );
    assert.deepEqual(mapLabels({ node: 'n1' }, am, 'dflt'), { cluster: 'dflt', node: 'n1' });
    assert.deepEqual(mapLabels({ severity: 'critical' }, am), {});
  });

  void it('strips the port from a Prometheus instance label, and only from that one', () => {
    assert.deepEqual(mapLabels({ instance: 'worker-3:9100' }, am), { node: 'worker-3' });
    assert.deepEqual(mapLabels({ instance: '[fd00::3]:9100' }, am), { node: 'fd00::3' });
    assert.deepEqual(mapLabels({ node: 'odd:123' }, am), { node: 'odd:123' });
  });

  void it('puts a providerID, instance id or OCID named as the node into instanceId', () => {
    for (const id of [
      'aws:///eu-west-1a/i-0abc123def4567890',
      'azure:///subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm1',
      'gce://acme-prod/europe-west1-b/gke-prod-pool-1-abcd',
      'oci://ocid1.instance.oc1.eu-frankfurt-1.abcd',
      'i-0abc123def4567890',
      'ocid1.instance.oc1.eu-frankfurt-1.anthel',
    ])
      assert.deepEqual(mapLabels({ node: id }, am), { instanceId: id }, id);
    // An explicit instance id label wins over one guessed from the node label.
    assert.deepEqual(
      mapLabels({ instance_id: 'i-0000000000000000a', instance: 'i-0abc123def4567890:9100' }, am),
      {
        instanceId: 'i-0000000000000000a',
      },
    );
  });

  void it('does not mistake node names for machine ids', () => {
    for (const name of [
      'worker-2',
      'ip-10-0-1-23.ec2.internal',
      'i-am-a-node',
      'aks-nodepool1-12345678-vmss000002',
    ])
      assert.equal(isMachineId(name), false, name);
  });

  void it('has source-specific defaults: CloudWatch InstanceId, GCP node_name', () => {
    const m = defaultLabelMapping();
    assert.deepEqual(mapLabels({ InstanceId: 'i-0abc123def4567890', ClusterName: 'eks' }, m.sources.sns), {
      cluster: 'eks',
      instanceId: 'i-0abc123def4567890',
    });
    assert.deepEqual(mapLabels({ node_name: 'gke-n1', cluster_name: 'gke' }, m.sources.gcp), {
      cluster: 'gke',
      node: 'gke-n1',
    });
  });
});

void describe('parseLabelMapping', () => {
  void it('replaces the lists a file names and keeps the others', () => {
    const m = parseLabelMapping(
      'alertmanager:\n  node: [host]\n  cluster: k8s_cluster\ndefaultCluster: prod\n',
      'm.yml',
    );
    assert.deepEqual(m.sources.alertmanager.node, ['host']);
    assert.deepEqual(m.sources.alertmanager.cluster, ['k8s_cluster']);
    assert.deepEqual(m.sources.alertmanager.app, am.app);
    assert.deepEqual(m.sources.gcp, defaultLabelMapping().sources.gcp);
    assert.equal(m.defaultCluster, 'prod');
    assert.deepEqual(mapLabels({ host: 'h1', node: 'ignored' }, m.sources.alertmanager, m.defaultCluster), {
      cluster: 'prod',
      node: 'h1',
    });
    assert.deepEqual(parseLabelMapping('', 'empty.yml'), defaultLabelMapping());
  });

  void it('names the file and the field that is wrong', () => {
    const bad = (text: string, re: RegExp) =>
      assert.throws(
        () => parseLabelMapping(text, 'map.yml'),
        (e) => e instanceof LabelMappingError && re.test(e.message),
      );
    bad('prometheus: {node: [x]}', /^map\.yml: prometheus: not a source/);
    bad('alertmanager: {host: [x]}', /^map\.yml: alertmanager\.host: not a field/);
    bad('alertmanager: {node: [1, 2]}', /^map\.yml: alertmanager\.node: expected a list of label names/);
    bad('alertmanager: [node]', /^map\.yml: alertmanager: expected a map of fields/);
    bad('- a', /^map\.yml: expected a map of sources/);
    bad('defaultCluster: 3', /^map\.yml: defaultCluster: expected a cluster name/);
    bad('a: [', /^map\.yml: not YAML/);
  });

  void it('names a file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kompox-map-'));
    try {
      const file = join(dir, 'map.yml');
      assert.throws(
        () => loadLabelMapping(file),
        new RegExp(`^LabelMappingError: ${file}: cannot read: ENOENT`),
      );
      writeFileSync(file, 'sns: {instanceId: [Host]}\n');
      assert.deepEqual(loadLabelMapping(file).sources.sns.instanceId, ['Host']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
