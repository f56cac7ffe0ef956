// The -V/--volume option shared by disk and snapshot commands: a volume the app declares.
import type { AppTarget } from '../api/app-target';
import { dnsLabelOf } from '../kom';
import { usageError } from './exit-codes';

function known(target: AppTarget): string {
  return target.volumes.map((v) => v.name).join(', ') || 'none';
}

export function requireVolume(target: AppTarget, volume: string | undefined): string {
  if (!volume) throw usageError(`-V/--volume is required (volumes of ${target.appName}: ${known(target)})`);
  return optionalVolume(target, volume)!;
}

/** The volume's name as the App declares it; the compose spelling (`db_data`) is accepted too. */
export function optionalVolume(target: AppTarget, volume: string | undefined): string | undefined {
  if (volume === undefined) return undefined;
  const name = target.volumes.some((v) => v.name === volume) ? volume : dnsLabelOf(volume);
  if (!target.volumes.some((v) => v.name === name)) {
    throw usageError(`app ${target.appName} has no volume "${volume}" (volumes: ${known(target)})`);
  }
  return name;
}
