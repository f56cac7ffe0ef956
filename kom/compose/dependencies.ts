// Service `depends_on:` as a list of names or a map of name → { condition, required }.
import { quote } from '../errors';
import { isPlainMap, MapReader, readStringList } from '../field-reader';
import { DEPENDENCY_CONDITIONS, type ServiceDependency } from './model';
import { inactiveMessage } from './profiles';

export function readDependencies(
  service: MapReader,
  serviceName: string,
  allServices: ReadonlySet<string>,
  inactiveServices: ReadonlyMap<string, string[]> = new Map(),
): ServiceDependency[] {
  const value = service.raw('depends_on');
  if (value === undefined) return [];
  const path = service.at('depends_on');
  const dependencies: ServiceDependency[] = [];
  if (Array.isArray(value)) {
    for (const name of readStringList(service.report, path, value) ?? []) {
      dependencies.push({ service: name, condition: 'service_started', required: true });
    }
  } else if (isPlainMap(value)) {
    const map = MapReader.of(service.report, value, path);
    for (const name of map.keys()) {
      const entry = map.map(name);
      const condition = entry.enumOf('condition', DEPENDENCY_CONDITIONS) ?? 'service_started';
      const required = entry.bool('required') ?? true;
      if (entry.has('restart'))
        entry.report.warn(entry.at('restart'), 'restarting dependants is not supported and is ignored');
      entry.accept('restart');
      entry.finish('warning');
      dependencies.push({ service: name, condition, required });
    }
  } else {
    service.report.error(path, `must be a list of service names or a mapping, got ${quote(value)}`);
  }
  return dependencies.filter((dependency) => {
    if (dependency.service === serviceName) {
      service.report.error(path, `service ${quote(serviceName)} cannot depend on itself`);
      return false;
    }
    const profiles = inactiveServices.get(dependency.service);
    if (profiles !== undefined) {
      // `required: false` tolerates a dependency that does not run, as in compose.
      if (dependency.required) service.report.error(path, inactiveMessage(dependency.service, profiles));
      return false;
    }
    if (!allServices.has(dependency.service)) {
      service.report.error(path, `${quote(dependency.service)} is not a service of this compose file`);
      return false;
    }
    return true;
  });
}
