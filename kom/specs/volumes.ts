// spec.volumes of an App: the logical volumes Kompox keeps disks and snapshots for.
import { quote } from '../errors';
import { MapReader } from '../field-reader';
import { VOLUME_TYPES, type AppVolume } from '../model/app';
import { InvalidQuantityError, parseByteQuantity } from '../quantity';
import { dnsLabelProblem } from '../resource-id';

/** Volume names end up in PV and cloud disk names, hence the short limit. */
const MAX_VOLUME_NAME = 16;

export function readAppVolumes(spec: MapReader): AppVolume[] {
  const volumes: AppVolume[] = [];
  const seen = new Set<string>();
  for (const item of spec.list('volumes')) {
    const entry = MapReader.of(spec.report, item.value, item.path);
    const name = entry.requiredString('name');
    const size = entry.required('size') ? entry.raw('size') : undefined;
    const type = entry.enumOf('type', VOLUME_TYPES) ?? 'disk';
    const options = entry.stringMap('options');
    entry.finish('error', ' (known: name, size, type, options)');
    let ok = name !== undefined;
    if (name !== undefined) {
      const problem = dnsLabelProblem(name, MAX_VOLUME_NAME);
      if (problem !== undefined) {
        entry.report.error(entry.at('name'), problem);
        ok = false;
      } else if (seen.has(name)) {
        entry.report.error(entry.at('name'), `volume ${quote(name)} is declared twice`);
        ok = false;
      }
      seen.add(name);
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
    if (ok && name !== undefined && sizeBytes !== undefined) volumes.push({ name, sizeBytes, type, options });
  }
  return volumes;
}
