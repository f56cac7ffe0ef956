// spec.volumes of an App: the logical volumes Kompox keeps disks and snapshots for.
import { quote } from '../errors';
import { MapReader } from '../field-reader';
import { VOLUME_TYPES, type AppVolume } from '../model/app';
import { InvalidQuantityError, parseByteQuantity } from '../quantity';
import { collisionMessage, dnsLabelOf, MappedNames, mappedNameProblem } from '../kube-name';

/** Volume names end up in PV and cloud disk names, hence the short limit. */
export const MAX_VOLUME_NAME = 16;

export function readAppVolumes(spec: MapReader): AppVolume[] {
  const volumes: AppVolume[] = [];
  const seen = new MappedNames();
  for (const item of spec.list('volumes')) {
    const entry = MapReader.of(spec.report, item.value, item.path);
    const name = entry.requiredString('name');
    const size = entry.required('size') ? entry.raw('size') : undefined;
    const type = entry.enumOf('type', VOLUME_TYPES) ?? 'disk';
    const options = entry.stringMap('options');
    entry.finish('error', ' (known: name, size, type, options)');
    // The compose spelling (`db_data`) is accepted; disks, snapshots and -V use the mapped one.
    const mapped = name === undefined ? undefined : dnsLabelOf(name);
    let ok = name !== undefined;
    if (name !== undefined && mapped !== undefined) {
      const problem = mappedNameProblem(name, mapped, MAX_VOLUME_NAME);
      const other = seen.claim(name, mapped);
      if (problem !== undefined) {
        entry.report.error(entry.at('name'), problem);
        ok = false;
      } else if (other === name) {
        entry.report.error(entry.at('name'), `volume ${quote(name)} is declared twice`);
        ok = false;
      } else if (other !== undefined) {
        entry.report.error(entry.at('name'), collisionMessage('volumes', name, other, mapped));
        ok = false;
      } else if (mapped !== name) {
        entry.report.warn(
          entry.at('name'),
          `${quote(name)} is volume ${quote(mapped)} in Kubernetes, disk and snapshot names and -V; compose may use either spelling`,
        );
      }
    }
    let sizeBytes: number | undefined;
    if (size !== undefined) {
      try {
        sizeBytes = parseByteQuantity(size);
      } catch (error) {
        if (!(error instanceof InvalidQuantityError)) throw error;
        entry.report.error(entry.at('size'), error.message);
      }
    }
    if (ok && mapped !== undefined && sizeBytes !== undefined)
      volumes.push({ name: mapped, sizeBytes, type, options });
  }
  return volumes;
}
