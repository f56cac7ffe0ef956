// The kwok nodes' labels: a local zone's node is in the region its name says (local-2a in
// local-2), so one dev cluster can have nodes in several regions; any other zone is in the
// layout's region; the default layout is three zones of local-1. A layout may give the nodes
// providerIDs of a cloud's form and the zone under more labels (a cloud CSI plugin's).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LAYOUT, nodeManifests, regionOfZone } from '../../../dev/cluster/nodes';
import { planRealNodes } from '../../../dev/cluster/real-nodes/real-nodes';

const labelsOf = (layout: Parameters<typeof nodeManifests>[0]) =>
  Object.fromEntries(
    nodeManifests(layout).map((n) => [
      n.metadata!.name!,
      [
        n.metadata!.labels!['topology.kubernetes.io/zone'],
        n.metadata!.labels!['topology.kubernetes.io/region'],
      ],
    ]),
  );

void describe('kwok node regions', () => {
  void it('puts each local zone in the region of its name', () => {
    assert.deepEqual(
      labelsOf({
        region: 'local-1',
        zones: ['local-1a', 'local-1b', 'local-2a', 'local-12c'],
        nodesPerZone: 1,
      }),
      {
        'kwok-local-1a-1': ['local-1a', 'local-1'],
        'kwok-local-1b-1': ['local-1b', 'local-1'],
        'kwok-local-2a-1': ['local-2a', 'local-2'],
        'kwok-local-12c-1': ['local-12c', 'local-12'],
      },
    );
  });

  void it("puts other zones in the layout's region", () => {
    assert.deepEqual(
      labelsOf({ region: 'us-east-1', zones: ['us-east-1a', 'local-2b', '1'], nodesPerZone: 2 }),
      {
        'kwok-us-east-1a-1': ['us-east-1a', 'us-east-1'],
        'kwok-us-east-1a-2': ['us-east-1a', 'us-east-1'],
        'kwok-local-2b-1': ['local-2b', 'local-2'],
        'kwok-local-2b-2': ['local-2b', 'local-2'],
        'kwok-1-1': ['1', 'us-east-1'],
        'kwok-1-2': ['1', 'us-east-1'],
      },
    );
    for (const zone of ['local-1', 'local-a', 'local-1ab', 'mylocal-1a'])
      assert.equal(regionOfZone(zone, 'r'), 'r', zone);
  });

  void it('keeps the default: two nodes in each of local-1a, local-1b, local-1c, all in local-1', () => {
    const labels = labelsOf(DEFAULT_LAYOUT);
    assert.equal(Object.keys(labels).length, 6);
    assert.deepEqual(new Set(Object.values(labels).map(([, region]) => region)), new Set(['local-1']));
  });

  void it("gives each node a providerID of the layout's template, none without one", () => {
    const ids = (providerId?: string) =>
      nodeManifests({
        region: 'us-central1',
        zones: ['us-central1-a', 'us-central1-b'],
        nodesPerZone: 1,
        ...(providerId ? { providerId } : {}),
      }).map((n) => n.spec?.providerID);
    assert.deepEqual(ids('gce://p/{zone}/{node}'), [
      'gce://p/us-central1-a/kwok-us-central1-a-1',
      'gce://p/us-central1-b/kwok-us-central1-b-1',
    ]);
    assert.deepEqual(ids(), [undefined, undefined]);
  });

  void it("repeats the zone in the layout's extra zone labels", () => {
    const [node] = nodeManifests({
      region: 'us-central1',
      zones: ['us-central1-a'],
      nodesPerZone: 1,
      zoneLabels: ['topology.gke.io/zone'],
    });
    assert.equal(node?.metadata?.labels?.['topology.gke.io/zone'], 'us-central1-a');
    assert.equal(node?.metadata?.labels?.['topology.kubernetes.io/zone'], 'us-central1-a');
  });

  void it('gives real nodes the region of their zone the same way', () => {
    assert.deepEqual(
      planRealNodes(2, ['local-1a', 'local-2a'], 'local-1').map((n) => [n.name, n.region]),
      [
        ['real-local-1a-1', 'local-1'],
        ['real-local-2a-1', 'local-2'],
      ],
    );
  });
});
