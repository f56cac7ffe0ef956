// Relative directory binds with local files (kom: directory-seed.ts): the files travel in a
// ConfigMap, and an init container copies them onto the volume directory once. It never
// overwrites a file, and a marker on the volume keeps it from copying again, so data the app
// wrote (or deleted) stays as it is on later starts.
import type { V1ConfigMap, V1Container, V1Volume } from '@kubernetes/client-node';
import type { ComposeService, VolumeMount } from '../../kom';
import { asText, checkSize, objectMeta } from './config-objects';
import { escapeExpansion } from './containers';
import { contentHash, shortHash } from './hash';
import type { AppNames } from './names';
import type { LocalValues } from './types';
import { SUBPATH_INIT_IMAGE } from './volumes';

const SEED_MOUNT = '/seed';

/** Args: target directory, marker file, then the files' relative paths. */
const COPY_SCRIPT = `target=$1; marker=$2; shift 2
if [ -e "$marker" ]; then echo "copied once before: nothing to do"; exit 0; fi
copied=0
for f in "$@"; do
  if [ ! -e "$target/$f" ]; then
    mkdir -p "$(dirname "$target/$f")" && cp "${SEED_MOUNT}/$f" "$target/$f" && copied=$((copied + 1))
  fi
done
mkdir -p "$(dirname "$marker")" && touch "$marker"
echo "copied $copied of $# file(s) into $target; existing files were kept"`;

export interface SeedObjects {
  configMaps: V1ConfigMap[];
  initContainers: V1Container[];
  volumes: V1Volume[];
}

export function buildDirectorySeeds(
  services: readonly ComposeService[],
  names: AppNames,
  values: LocalValues,
): SeedObjects {
  const result: SeedObjects = { configMaps: [], initContainers: [], volumes: [] };
  const done = new Set<string>();
  for (const mount of services.flatMap((service) => service.volumeMounts)) {
    if (mount.seed === undefined) continue;
    const id = shortHash(`${mount.volume}/${mount.subPath ?? ''}`);
    if (done.has(id)) continue;
    done.add(id);
    const keys = mount.seed.files.map((_, index) => `f${index}`);
    result.configMaps.push(seedConfigMap(names, id, mount, keys, values));
    result.volumes.push({
      name: `seed-${id}`,
      configMap: {
        name: seedConfigMapName(names, id),
        items: mount.seed.files.map((file, index) => ({ key: keys[index] ?? '', path: file.path })),
      },
    });
    result.initContainers.push(seedContainer(id, mount));
  }
  return result;
}

const seedConfigMapName = (names: AppNames, id: string): string => `${names.componentName}--seed-${id}`;

function seedConfigMap(
  names: AppNames,
  id: string,
  mount: VolumeMount,
  keys: readonly string[],
  values: LocalValues,
): V1ConfigMap {
  const contents = (mount.seed?.files ?? []).map((file) => values.readFile(file));
  checkSize(
    `the files of the directory bound at ${mount.mountPath}`,
    contents.reduce((sum, content) => sum + content.length, 0),
  );
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  contents.forEach((content, index) => {
    const key = keys[index] ?? '';
    const text = asText(content);
    if (text !== undefined) data[key] = text;
    else binaryData[key] = content.toString('base64');
  });
  const configMap: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(names, seedConfigMapName(names, id), contentHash({ ...data, ...binaryData })),
  };
  if (Object.keys(data).length > 0) configMap.data = data;
  if (Object.keys(binaryData).length > 0) configMap.binaryData = binaryData;
  return configMap;
}

function seedContainer(id: string, mount: VolumeMount): V1Container {
  const volumeRoot = `/work/${mount.volume}`;
  const target = mount.subPath === undefined ? volumeRoot : `${volumeRoot}/${mount.subPath}`;
  return {
    name: `seed-${id}`,
    image: SUBPATH_INIT_IMAGE,
    command: [
      'sh',
      '-c',
      escapeExpansion(COPY_SCRIPT),
      'seed',
      target,
      `${volumeRoot}/.kompox-seeded/${id}`,
      ...(mount.seed?.files ?? []).map((file) => escapeExpansion(file.path)),
    ],
    volumeMounts: [
      { name: `seed-${id}`, mountPath: SEED_MOUNT, readOnly: true },
      { name: mount.volume, mountPath: volumeRoot },
    ],
  };
}
