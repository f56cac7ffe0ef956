// Compose `configs:` → ConfigMaps, `secrets:` → Secrets, env_file values → one Secret per
// service (reference §3.2, §3.4). Each config/secret is mounted as a single read-only file.
// Values come from LocalValues; they appear in these objects and nowhere else.
import path from 'node:path';
import type { V1ConfigMap, V1Secret, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { ComposeProject, ComposeService, FileMount, FileObject } from '../../kom';
import { contentHash } from './hash';
import { ANNOTATION, componentLabels } from './labels';
import { configMapName, envSecretName, fileSecretName, fileVolumeName, type AppNames } from './names';
import { ConvertError, type LocalValues } from './types';

/** The API server refuses larger ConfigMaps and Secrets. */
export const MAX_OBJECT_BYTES = 1024 * 1024;
const KEY = /^[-._a-zA-Z0-9]+$/;

type FileKind = 'configs' | 'secrets';

/** A created ConfigMap/Secret (or an external one) as pods reference it. */
export interface FileObjectRef {
  kind: FileKind;
  /** Compose name. */
  name: string;
  /** DNS-safe name, part of the pod volume name. */
  kubeName: string;
  /** Kubernetes object name. */
  objectName: string;
  /** The single key the file is stored under. */
  key: string;
  /** contentHASH; absent for external objects, whose content Kompox does not know. */
  contentHash?: string;
}

export interface ConfigObjects {
  configMaps: V1ConfigMap[];
  fileSecrets: V1Secret[];
  envSecrets: V1Secret[];
  /** By `configs:`/`secrets:` name. */
  configs: Map<string, FileObjectRef>;
  secrets: Map<string, FileObjectRef>;
  /** By compose service name; only services with env files have one. */
  envSecretsByService: Map<string, { name: string; contentHash: string }>;
}

export function buildConfigObjects(
  compose: ComposeProject,
  names: AppNames,
  values: LocalValues,
): ConfigObjects {
  const result: ConfigObjects = {
    configMaps: [],
    fileSecrets: [],
    envSecrets: [],
    configs: new Map(),
    secrets: new Map(),
    envSecretsByService: new Map(),
  };
  for (const [kind, entries] of [
    ['configs', compose.configs],
    ['secrets', compose.secrets],
  ] as const) {
    for (const entry of sortedByName(entries)) {
      const ref = fileObjectRef(kind, entry, names);
      (kind === 'configs' ? result.configs : result.secrets).set(entry.name, ref);
      if (entry.source.kind === 'external') continue;
      const content = fileContent(entry, values);
      checkSize(`${kind === 'configs' ? 'config' : 'secret'} "${entry.name}"`, content.length);
      const object =
        kind === 'configs'
          ? configMapObject(names, ref, content)
          : secretObject(names, ref.objectName, { [ref.key]: content });
      if (kind === 'configs') result.configMaps.push(object);
      else result.fileSecrets.push(object);
      ref.contentHash = hashOf(object);
    }
  }
  for (const service of compose.services) {
    if (service.envFiles.length === 0) continue;
    const env = values.envFileValues(service);
    const data: Record<string, Buffer> = {};
    for (const key of Object.keys(env).sort()) {
      if (!KEY.test(key)) {
        throw new ConvertError(
          `service "${service.name}": env file variable "${key}" cannot be a Secret key`,
        );
      }
      data[key] = Buffer.from(env[key] ?? '', 'utf8');
    }
    checkSize(
      `the env files of service "${service.name}"`,
      Object.values(data).reduce((sum, value) => sum + value.length, 0),
    );
    const name = envSecretName(names, service.kubeName);
    const secret = secretObject(names, name, data);
    result.envSecrets.push(secret);
    result.envSecretsByService.set(service.name, { name, contentHash: hashOf(secret) });
  }
  return result;
}

/** A service's config and secret mounts with the objects behind them, configs first. */
function mountedFiles(
  service: ComposeService,
  objects: ConfigObjects,
): { kind: FileKind; mount: FileMount; ref: FileObjectRef; volume: string }[] {
  return (['configs', 'secrets'] as const).flatMap((kind) =>
    service[kind].map((mount) => {
      const ref = refOf(objects, kind, mount);
      return { kind, mount, ref, volume: volumeNameOf(ref, mount) };
    }),
  );
}

/** Pod volumes for every config/secret some service mounts: one per object and file mode. */
export function fileVolumes(services: readonly ComposeService[], objects: ConfigObjects): V1Volume[] {
  const volumes = new Map<string, V1Volume>();
  for (const { kind, mount, ref, volume: name } of services.flatMap((s) => mountedFiles(s, objects))) {
    if (volumes.has(name)) continue;
    const item: { key: string; path: string; mode?: number } = { key: ref.key, path: ref.key };
    if (mount.mode !== undefined) item.mode = mount.mode;
    volumes.set(
      name,
      kind === 'configs'
        ? { name, configMap: { name: ref.objectName, items: [item] } }
        : { name, secret: { secretName: ref.objectName, items: [item] } },
    );
  }
  return [...volumes.keys()].sort().map((name) => volumes.get(name) as V1Volume);
}

/** The service's config and secret files, each a single read-only file. */
export function fileMounts(service: ComposeService, objects: ConfigObjects): V1VolumeMount[] {
  return mountedFiles(service, objects).map(({ mount, ref, volume }) => ({
    name: volume,
    mountPath: mount.target,
    subPath: ref.key,
    readOnly: true,
  }));
}

/** Content hashes of everything a service reads: env Secret, configs and secrets. */
export function referencedContentHashes(service: ComposeService, objects: ConfigObjects): string[] {
  const env = objects.envSecretsByService.get(service.name);
  return [
    ...(env !== undefined ? [`env:${env.name}=${env.contentHash}`] : []),
    ...mountedFiles(service, objects).map(
      ({ kind, ref }) => `${kind}:${ref.objectName}=${ref.contentHash ?? 'external'}`,
    ),
  ];
}

function refOf(objects: ConfigObjects, kind: FileKind, mount: FileMount): FileObjectRef {
  const ref = (kind === 'configs' ? objects.configs : objects.secrets).get(mount.source);
  // kom checks every reference against the top-level section.
  if (ref === undefined) throw new ConvertError(`${kind} "${mount.source}" is not defined`);
  return ref;
}

function volumeNameOf(ref: FileObjectRef, mount: FileMount): string {
  return fileVolumeName(ref.kind === 'configs' ? 'cfg' : 'sec', ref.kubeName, mount.mode);
}

/**
 * Created objects are keyed by the file's base name (inline content: the entry name), as in the
 * reference. External objects must already exist; Kompox expects their file under a key named
 * like the compose entry.
 */
function fileObjectRef(kind: FileKind, object: FileObject, names: AppNames): FileObjectRef {
  const source = object.source;
  if (source.kind === 'external') {
    return { kind, name: object.name, kubeName: object.kubeName, objectName: source.name, key: object.name };
  }
  const key = source.kind === 'file' ? path.basename(source.path) : object.name;
  if (!KEY.test(key)) {
    throw new ConvertError(
      `${kind} "${object.name}": the file name "${key}" cannot be a ConfigMap/Secret key (letters, digits, '-', '_', '.'); rename the file`,
    );
  }
  const objectName =
    kind === 'configs' ? configMapName(names, object.kubeName) : fileSecretName(names, object.kubeName);
  return { kind, name: object.name, kubeName: object.kubeName, objectName, key };
}

function fileContent(object: FileObject, values: LocalValues): Buffer {
  const source = object.source;
  if (source.kind === 'content') return Buffer.from(source.content, 'utf8');
  if (source.kind === 'file')
    return values.readFile({ path: source.path, absolutePath: source.absolutePath });
  throw new Error(`external ${object.name} has no content`);
}

/** UTF-8 text without a BOM or NUL, else undefined. */
export function asText(content: Buffer): string | undefined {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(content);
  if (text.includes('\uFFFD') || text.includes('\0') || text.startsWith('\uFEFF')) return undefined;
  return text;
}

export function checkSize(what: string, bytes: number): void {
  if (bytes > MAX_OBJECT_BYTES) {
    throw new ConvertError(
      `${what} is ${bytes} bytes; Kubernetes stores at most ${MAX_OBJECT_BYTES} bytes per object`,
    );
  }
}

export function objectMeta(names: AppNames, name: string, hash: string): V1ConfigMap['metadata'] {
  return {
    name,
    namespace: names.namespace,
    labels: componentLabels(names),
    annotations: { [ANNOTATION.contentHash]: hash },
  };
}

/** Text goes to data; anything else to binaryData rather than being refused (the reference errors). */
function configMapObject(names: AppNames, ref: FileObjectRef, content: Buffer): V1ConfigMap {
  const text = asText(content);
  const configMap: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(names, ref.objectName, contentHash({ [ref.key]: text ?? content })),
  };
  if (text !== undefined) configMap.data = { [ref.key]: text };
  else configMap.binaryData = { [ref.key]: content.toString('base64') };
  return configMap;
}

/** Text values hash as text, so a Secret and the pod annotation agree on what changed. */
function secretObject(names: AppNames, name: string, data: Record<string, Buffer>): V1Secret {
  const hashed = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, asText(value) ?? value]),
  );
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: objectMeta(names, name, contentHash(hashed)),
    type: 'Opaque',
    data: Object.fromEntries(
      Object.keys(data)
        .sort()
        .map((key) => [key, (data[key] ?? Buffer.alloc(0)).toString('base64')]),
    ),
  };
}

function hashOf(object: V1ConfigMap | V1Secret): string {
  return object.metadata?.annotations?.[ANNOTATION.contentHash] ?? '';
}

function sortedByName<T extends { name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
