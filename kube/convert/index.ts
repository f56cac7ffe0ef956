// Public entry of kube/convert/: the pure app model + disks → Kubernetes objects converter.
export { convertApp, RENDER_HASH_LENGTH } from './convert';
export { renderYaml } from './render-yaml';
export { isPlaceholderDisk, placeholderDisks, PLACEHOLDER_HANDLE_PREFIX } from './placeholder-disks';
export { localFileValues } from './local-values';
export {
  ConvertError,
  type AssignedDisk,
  type ConvertInput,
  type ConvertResult,
  type LocalValues,
  type VolumeBinding,
} from './types';
export { ANNOTATION, LABEL, MANAGED_BY } from './labels';
export { appNames, persistentVolumeName, type AppNames } from './names';
export { shortHash, contentHash } from './hash';
export { DEFAULT_NODE_POOL, placementOf, type Placement } from './scheduling';
