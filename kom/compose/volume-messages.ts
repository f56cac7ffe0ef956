// Refusals and hints about volumes that name real things: the App's own volumes, or the exact
// spec.volumes entry to add.
import { dnsLabelOf } from '../kube-name';
import { isDnsLabel } from '../resource-id';
import { MAX_VOLUME_NAME } from '../specs/volumes';

/**
 * The refusal for a compose volume the App does not declare: the exact `spec.volumes` entry to
 * add, with a name that passes validation.
 */
export function undeclaredVolumeMessage(name: string, appVolumes: readonly string[]): string {
  const declared =
    appVolumes.length > 0 ? appVolumes.map((volume) => JSON.stringify(volume)).join(', ') : 'none';
  const mapped = dnsLabelOf(name);
  const valid = isDnsLabel(mapped, MAX_VOLUME_NAME);
  const fix = valid
    ? `add "- { name: ${mapped}, size: 10Gi }" to App spec.volumes`
    : `App volume names are at most ${MAX_VOLUME_NAME} lower-case letters, digits and '-': rename it here, e.g. to ${JSON.stringify(shortVolumeName(mapped))}, and add "- { name: ${shortVolumeName(mapped)}, size: 10Gi }" to App spec.volumes`;
  return `volume ${JSON.stringify(name)} is not declared in App spec.volumes (declared: ${declared}); ${fix}`;
}

/**
 * How to mount an App volume at `target`, naming a volume the App really declares; when it
 * declares none, the entry to add first.
 */
export function appVolumeSuggestion(appVolumes: readonly string[], target: string): string {
  const first = appVolumes[0];
  if (first !== undefined) return `mount an App volume instead, e.g. "${first}:${target}"`;
  return `declare an App volume ("- { name: data, size: 10Gi }" in App spec.volumes) and mount it, e.g. "data:${target}"`;
}

function shortVolumeName(mapped: string): string {
  const cleaned = mapped
    .replace(/[^-a-z0-9]/g, '')
    .slice(0, MAX_VOLUME_NAME)
    .replace(/^-+|-+$/g, '');
  return cleaned === '' ? 'data' : cleaned;
}
