// What the dev cluster's CSI driver runs with: the Kubernetes CSI sidecars (csi-provisioner,
// csi-attacher, csi-snapshotter) and the snapshot-controller, the VolumeSnapshot CRDs, and the
// protos the plugin serves (the CSI spec and the kubelet's plugin registration API). All come from
// scripts/csi-tools.sh, which caches them outside the repository keyed by version, so only the
// first run on a machine builds anything.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoScript, runToolScript } from '../binaries';

export interface CsiTools {
  /** csi-provisioner, csi-attacher, csi-snapshotter, snapshot-controller. */
  binDir: string;
  /** The VolumeSnapshot, VolumeSnapshotContent and VolumeSnapshotClass CRDs, one YAML file each. */
  crdDir: string;
  /** csi.proto of the CSI spec the sidecars are built with (package csi.v1). */
  csiProto: string;
  /** The kubelet's plugin registration API (package pluginregistration). */
  registrationProto: string;
}

export const CSI_BINARIES = ['csi-provisioner', 'csi-attacher', 'csi-snapshotter', 'snapshot-controller'];
export const SNAPSHOT_CRDS = ['volumesnapshotclasses', 'volumesnapshotcontents', 'volumesnapshots'].map(
  (r) => `snapshot.storage.k8s.io_${r}.yaml`,
);

export async function ensureCsiTools(onOutput?: (chunk: string) => void): Promise<CsiTools> {
  const script = repoScript('csi-tools.sh');
  if (!script) throw new Error('scripts/csi-tools.sh not found: run Kompox from its repository to use CSI');
  const dir = await runToolScript(script, onOutput);
  const tools: CsiTools = {
    binDir: join(dir, 'bin'),
    crdDir: join(dir, 'crd'),
    csiProto: join(dir, 'proto', 'csi.proto'),
    registrationProto: join(dir, 'proto', 'pluginregistration', 'api.proto'),
  };
  const expected = [
    ...CSI_BINARIES.map((b) => join(tools.binDir, b)),
    ...SNAPSHOT_CRDS.map((c) => join(tools.crdDir, c)),
    tools.csiProto,
    tools.registrationProto,
  ];
  const missing = expected.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`scripts/csi-tools.sh finished but lacks ${missing.join(', ')}`);
  return tools;
}
