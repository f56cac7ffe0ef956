// Public entry of kom/: loading and validating KOM + compose into the typed app model.
// Pure: reads local files, never the network.

export { loadProject } from './load-project';
export { resolveApp, type ResolveAppOptions } from './resolve-app';
export { resolveDefaultAppId, type AppSelection } from './default-app';
export {
  locateProject,
  selectKomSources,
  APP_FILE_NAME,
  KOMPOX_DIR_NAME,
  type DiscoveryOptions,
  type KomSourceLevel,
  type KomSources,
  type ProjectFlags,
  type ProjectLocation,
} from './discovery';
export {
  KomError,
  KomIssues,
  formatKomIssue,
  formatKomPosition,
  isKomError,
  type KomIssue,
  type KomLocation,
  type KomSeverity,
} from './errors';
export {
  appResourceId,
  childResourceId,
  formatResourceId,
  InvalidResourceIdError,
  isDnsLabel,
  parseResourceId,
  resourceDepth,
  tryParseResourceId,
  type ParsedResourceId,
  type ResourceIdSegment,
  type ResourceKind,
  type SegmentKind,
} from './resource-id';
export {
  KOM_API_VERSION,
  ID_ANNOTATION,
  DOC_INDEX_ANNOTATION,
  DOC_PATH_ANNOTATION,
  type KomKind,
} from './documents';
export { parseDuration, formatDuration, InvalidDurationError } from './duration';
export { parseByteQuantity, parseCpuMillicores, parseDockerBytes, InvalidQuantityError } from './quantity';
export { parseSnapshotSchedule, isKnownTimeZone, InvalidScheduleError } from './specs/snapshots';
export { localBaseDir, checkLocalPath, LOCAL_FILES_DENIED, type LocalPathCheck } from './local-files';
export { loadCompose, type ComposeInput } from './compose/load-compose';
export {
  readServiceEnvFiles,
  readLocalFile,
  type FileRead,
  type FileReader,
} from './compose/env-file-values';
export { referencedFiles, type ReferencedFile } from './referenced-files';
export { parseEnvFile, type EnvFileFormat, type ParsedEnvFile } from './compose/env-file';
export { interpolateString, type Variables } from './compose/interpolate';
export { splitWords } from './compose/command-line';
export { dnsLabelOf, isHostAlias, serviceKubeName, SERVICE_DIGIT_PREFIX } from './kube-name';

export type * from './model/app';
export type * from './model/resources';
export type * from './model/network-policy';
export type * from './model/snapshot-policy';
export type * from './model/failover-policy';
export type * from './model/project';
export type * from './compose/model';
export { DEFAULT_FAILOVER_POLICY } from './model/failover-policy';
