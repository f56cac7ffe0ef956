// App volumes → one static PersistentVolume + PersistentVolumeClaim each, bound to the assigned
// disk (reference §3.5). There is no dynamic provisioning: the disk exists before the PV does.
import type {
  V1Container,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1PersistentVolumeSpec,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { App, AppVolume, ComposeService } from '../../kom';
import { ANNOTATION, baseLabels, LABEL } from './labels';
import { persistentVolumeName, type AppNames } from './names';
import { isPlaceholderDisk, PLACEHOLDER_NOTE } from './placeholder-disks';
import { formatBytes } from './quantities';
import { ConvertError, type AssignedDisk, type VolumeBinding } from './types';

export const SUBPATH_INIT_CONTAINER = 'init-volume-subpaths';
export const SUBPATH_INIT_IMAGE = 'busybox:1.36';

/** Pairs each App volume with its disk; every volume needs one, with a handle. */
export function bindVolumes(
  app: App,
  names: AppNames,
  disks: Readonly<Record<string, AssignedDisk>>,
): VolumeBinding[] {
  const missing = app.volumes
    .filter((volume) => disks[volume.name] === undefined)
    .map((volume) => `"${volume.name}"`);
  if (missing.length > 0) {
    throw new ConvertError(
      `app "${app.name}": no disk is assigned to volume ${missing.join(', ')}; create or assign one before deploying`,
    );
  }
  const unknown = Object.keys(disks).filter((name) => !app.volumes.some((volume) => volume.name === name));
  if (unknown.length > 0) {
    throw new ConvertError(
      `app "${app.name}" has no volume ${unknown.map((name) => `"${name}"`).join(', ')}`,
    );
  }
  return app.volumes.map((volume) => {
    const disk = disks[volume.name] as AssignedDisk;
    if (disk.handle === '' || disk.pvSource.volumeHandle === '') {
      throw new ConvertError(
        `app "${app.name}", volume "${volume.name}": disk "${disk.diskName}" has no handle`,
      );
    }
    if ((disk.pvSource.csi === undefined) === (disk.pvSource.hostPath === undefined)) {
      throw new ConvertError(
        `app "${app.name}", volume "${volume.name}": the driver must give exactly one of csi and hostPath for disk "${disk.diskName}"`,
      );
    }
    return {
      volume: volume.name,
      diskName: disk.diskName,
      claimName: persistentVolumeName(names, volume.name, disk.handle),
    };
  });
}

function capacityOf(volume: AppVolume, disk: AssignedDisk): string {
  const bytes =
    disk.pvSource.capacityBytes > 0
      ? disk.pvSource.capacityBytes
      : disk.sizeBytes > 0
        ? disk.sizeBytes
        : volume.sizeBytes;
  return formatBytes(bytes);
}

export function buildPersistentVolume(
  names: AppNames,
  volume: AppVolume,
  disk: AssignedDisk,
  binding: VolumeBinding,
): V1PersistentVolume {
  const source = disk.pvSource;
  const spec: V1PersistentVolumeSpec = {
    capacity: { storage: capacityOf(volume, disk) },
    accessModes: [...source.accessModes],
    persistentVolumeReclaimPolicy: 'Retain',
    volumeMode: source.volumeMode,
    storageClassName: source.storageClassName ?? '',
    // Reserved for the app's claim, so no other claim (any namespace) can bind the disk first.
    // No uid: the PV controller adds uid and resourceVersion when it binds. Server-side apply
    // treats claimRef field by field (not as one atomic value), so our re-applies own only these
    // four fields and leave the controller's uid alone: a redeploy never unbinds the PV
    // (test/integration/kube/static-pv-claim.test.ts checks this on the real control plane).
    claimRef: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      namespace: names.namespace,
      name: binding.claimName,
    },
  };
  if (source.csi !== undefined) {
    const attributes = Object.keys(source.csi.volumeAttributes).sort();
    spec.csi = { driver: source.csi.driver, volumeHandle: source.volumeHandle };
    if (source.csi.fsType !== undefined) spec.csi.fsType = source.csi.fsType;
    if (attributes.length > 0) {
      spec.csi.volumeAttributes = Object.fromEntries(
        attributes.map((key) => [key, source.csi?.volumeAttributes[key] ?? '']),
      );
    }
  } else if (source.hostPath !== undefined) {
    spec.hostPath = { path: source.hostPath.path, type: source.hostPath.type };
  }
  if (source.topology !== undefined) {
    const { key, values, alsoKeys = [] } = source.topology;
    // One term per key: terms are ORed, so a node labelled with any of the keys matches.
    spec.nodeAffinity = {
      required: {
        nodeSelectorTerms: [key, ...alsoKeys.filter((k) => k !== key)].map((k) => ({
          matchExpressions: [{ key: k, operator: 'In', values: [...values] }],
        })),
      },
    };
  }
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: binding.claimName,
      labels: { ...baseLabels(names), [LABEL.volume]: volume.name },
      annotations: diskAnnotations(disk),
    },
    spec,
  };
}

export function buildPersistentVolumeClaim(
  names: AppNames,
  volume: AppVolume,
  disk: AssignedDisk,
  binding: VolumeBinding,
): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: binding.claimName,
      namespace: names.namespace,
      labels: { ...baseLabels(names), [LABEL.volume]: volume.name },
      annotations: diskAnnotations(disk),
    },
    spec: {
      accessModes: [...disk.pvSource.accessModes],
      volumeMode: disk.pvSource.volumeMode,
      storageClassName: disk.pvSource.storageClassName ?? '',
      volumeName: binding.claimName,
      resources: { requests: { storage: capacityOf(volume, disk) } },
    },
  };
}

function diskAnnotations(disk: AssignedDisk): Record<string, string> {
  return {
    [ANNOTATION.diskName]: disk.diskName,
    ...(isPlaceholderDisk(disk) ? { [ANNOTATION.placeholder]: PLACEHOLDER_NOTE } : {}),
  };
}

/** Pod volumes for the App volumes some service mounts (pod volume name = App volume name). */
export function claimVolumes(
  services: readonly ComposeService[],
  bindings: readonly VolumeBinding[],
): V1Volume[] {
  const used = usedVolumes(services);
  return bindings
    .filter((binding) => used.has(binding.volume))
    .map((binding) => ({ name: binding.volume, persistentVolumeClaim: { claimName: binding.claimName } }));
}

/** A service's volume mounts; `:ro` is honoured (the reference ignores it). */
export function serviceVolumeMounts(service: ComposeService): V1VolumeMount[] {
  return service.volumeMounts.map((mount) => {
    const converted: V1VolumeMount = { name: mount.volume, mountPath: mount.mountPath };
    if (mount.subPath !== undefined) converted.subPath = mount.subPath;
    if (mount.readOnly) converted.readOnly = true;
    return converted;
  });
}

/**
 * The reference's init container: kubelet would create a missing subPath directory as root with
 * mode 0755; creating them up front with mode 1777 lets non-root images write there. Absent when
 * no mount uses a subPath.
 */
export function subPathInitContainer(services: readonly ComposeService[]): V1Container | undefined {
  const byVolume = new Map<string, Set<string>>();
  for (const service of services) {
    for (const mount of service.volumeMounts) {
      if (mount.subPath === undefined) continue;
      const paths = byVolume.get(mount.volume) ?? new Set<string>();
      paths.add(mount.subPath);
      byVolume.set(mount.volume, paths);
    }
  }
  if (byVolume.size === 0) return undefined;
  const volumes = [...byVolume.keys()].sort();
  const directories = volumes.flatMap((volume) =>
    [...(byVolume.get(volume) ?? [])].sort().map((sub) => `/work/${volume}/${sub}`),
  );
  return {
    name: SUBPATH_INIT_CONTAINER,
    image: SUBPATH_INIT_IMAGE,
    // Exec'd directly (no shell), so no path needs quoting.
    command: ['mkdir', '-m', '1777', '-p', ...directories],
    volumeMounts: volumes.map((volume) => ({ name: volume, mountPath: `/work/${volume}` })),
  };
}

function usedVolumes(services: readonly ComposeService[]): Set<string> {
  return new Set(services.flatMap((service) => service.volumeMounts.map((mount) => mount.volume)));
}
