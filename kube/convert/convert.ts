// The converter's entry: app model + assigned disks → the app's Kubernetes objects, in apply
// order (reference §3.1 step 6). Pure: no network, no clock; file contents come from
// input.values, so the same input always yields the same objects.
import type { KubernetesObject } from '@kubernetes/client-node';
import { buildConfigObjects } from './config-objects';
import { buildDeployment } from './deployment';
import { buildDirectorySeeds } from './directory-seed';
import { canonicalJson, shortHash } from './hash';
import { buildIngresses } from './ingress';
import { instanceSelector, LABEL } from './labels';
import { appNames } from './names';
import { buildNamespace } from './namespace';
import { buildNetworkPolicy } from './network-policy';
import { isPlaceholderDisk, PLACEHOLDER_NOTE } from './placeholder-disks';
import { placementOf } from './scheduling';
import { startupPlan, supportsNativeSidecars } from './startup-order';
import { buildComponentService, buildHeadlessServices } from './services';
import type { ConvertInput, ConvertResult } from './types';
import { bindVolumes, buildPersistentVolume, buildPersistentVolumeClaim } from './volumes';

/** Length of the render hash: longer than the reference's 6, as it is compared, never typed. */
export const RENDER_HASH_LENGTH = 12;

export function convertApp(input: ConvertInput): ConvertResult {
  const { context, disks } = input;
  const { app, compose } = context;
  const names = appNames(context);
  const bindings = bindVolumes(app, names, disks);
  const placement = placementOf(app, disks, input.nodePools, input.zoneTopology);
  const configObjects = buildConfigObjects(compose, names, input.values);
  const seeds = buildDirectorySeeds(compose.services, names, input.values);
  const startup = startupPlan(compose.services, supportsNativeSidecars(input.kubernetesVersion));

  const volumeObjects = app.volumes.map((volume, index) => {
    const disk = disks[volume.name];
    const binding = bindings[index];
    if (disk === undefined || binding === undefined) throw new Error(`volume ${volume.name} is not bound`);
    return {
      pv: buildPersistentVolume(names, volume, disk, binding),
      pvc: buildPersistentVolumeClaim(names, volume, disk, binding),
    };
  });
  const componentService = buildComponentService(app, compose, names);

  const objects: KubernetesObject[] = [
    buildNamespace(context, names),
    buildNetworkPolicy(context, names),
    ...volumeObjects.map((pair) => pair.pv),
    ...volumeObjects.map((pair) => pair.pvc),
    ...configObjects.configMaps,
    ...seeds.configMaps,
    ...configObjects.fileSecrets,
    ...configObjects.envSecrets,
    buildDeployment(compose, names, configObjects, bindings, placement, startup, seeds),
    ...(componentService !== undefined ? [componentService] : []),
    ...buildHeadlessServices(compose, names),
    ...buildIngresses(context, names),
  ];
  checkUniqueNames(objects);

  const renderHash = shortHash(canonicalJson(objects), RENDER_HASH_LENGTH);
  return {
    namespace: names.namespace,
    objects: objects.map((object) => stampRender(object, renderHash)),
    renderHash,
    instanceSelector: instanceSelector(names),
    deploymentName: names.componentName,
    volumes: bindings,
    warnings: [...warningsOf(input), ...startup.warnings],
  };
}

/**
 * Labels the object (not its pod template: that would restart the pod on every change of any
 * object) with the render hash, so the deploy can prune what an older render left behind.
 */
function stampRender<T extends KubernetesObject>(object: T, renderHash: string): T {
  return {
    ...object,
    metadata: { ...object.metadata, labels: { ...object.metadata?.labels, [LABEL.renderHash]: renderHash } },
  };
}

/** What the objects rely on but cannot guarantee. */
function warningsOf(input: ConvertInput): string[] {
  const { app, compose } = input.context;
  const warnings: string[] = [];
  for (const [kind, entries] of [
    ['config', compose.configs],
    ['secret', compose.secrets],
  ] as const) {
    for (const entry of entries) {
      if (entry.source.kind !== 'external') continue;
      warnings.push(
        `${kind} "${entry.name}" is external: ${kind === 'config' ? 'ConfigMap' : 'Secret'} "${entry.source.name}" ` +
          `must already exist in the app's namespace with a key "${entry.name}"`,
      );
    }
  }
  for (const [volume, disk] of Object.entries(input.disks)) {
    if (isPlaceholderDisk(disk)) warnings.push(`volume "${volume}": ${PLACEHOLDER_NOTE}`);
  }
  const mounted = new Set(
    compose.services.flatMap((service) => service.volumeMounts.map((mount) => mount.volume)),
  );
  for (const volume of app.volumes) {
    if (!mounted.has(volume.name)) {
      warnings.push(`volume "${volume.name}" is not mounted by any service; its disk still decides the zone`);
    }
  }
  return warnings;
}

function checkUniqueNames(objects: readonly KubernetesObject[]): void {
  const seen = new Set<string>();
  for (const object of objects) {
    const key = `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
    if (seen.has(key)) throw new Error(`the converter made two objects named ${key}`);
    seen.add(key);
  }
}
