// Reads and writes `<dir>/cluster.json`, the record of a started cluster.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ClusterInfo, clusterPaths } from './layout';

export function readClusterInfo(dir: string): ClusterInfo | undefined {
  try {
    return JSON.parse(readFileSync(clusterPaths(dir).state, 'utf8')) as ClusterInfo;
  } catch {
    return undefined;
  }
}

export function writeClusterInfo(info: ClusterInfo): void {
  writeFileSync(clusterPaths(info.dir).state, `${JSON.stringify(info, null, 2)}\n`);
}

export function removeClusterInfo(dir: string): void {
  rmSync(clusterPaths(dir).state, { force: true });
}
