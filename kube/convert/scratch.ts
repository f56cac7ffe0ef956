// Anonymous volumes, tmpfs and shm_size → emptyDir pod volumes, one per service mount.
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { ComposeService, ScratchMount } from '../../kom';
import { shortHash } from './hash';
import { formatBytes } from './quantities';

/** Stable across renders and unique in the pod: the service and the path decide it. */
function scratchVolumeName(service: ComposeService, mount: ScratchMount): string {
  return `scratch-${shortHash(`${service.kubeName}:${mount.mountPath}`)}`;
}

export function scratchVolumes(services: readonly ComposeService[]): V1Volume[] {
  return services.flatMap((service) =>
    service.scratchMounts.map((mount) => {
      const emptyDir: { medium?: string; sizeLimit?: string } = {};
      if (mount.medium !== undefined) emptyDir.medium = mount.medium;
      if (mount.sizeLimitBytes !== undefined) emptyDir.sizeLimit = formatBytes(mount.sizeLimitBytes);
      return { name: scratchVolumeName(service, mount), emptyDir };
    }),
  );
}

export function scratchVolumeMounts(service: ComposeService): V1VolumeMount[] {
  return service.scratchMounts.map((mount) => ({
    name: scratchVolumeName(service, mount),
    mountPath: mount.mountPath,
    ...(mount.readOnly === true ? { readOnly: true } : {}),
  }));
}
