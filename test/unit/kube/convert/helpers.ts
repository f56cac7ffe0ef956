// Finders over converter output, so assertions read as what they check.
import assert from 'node:assert/strict';
import type {
  KubernetesObject,
  V1Container,
  V1Deployment,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Secret,
} from '@kubernetes/client-node';
import type { ConvertResult } from '../../../../kube/convert';

export function ofKind<T extends KubernetesObject>(result: ConvertResult, kind: string): T[] {
  return result.objects.filter((object) => object.kind === kind) as T[];
}

export function one<T extends KubernetesObject>(result: ConvertResult, kind: string, name?: string): T {
  const found = ofKind<T>(result, kind).filter(
    (object) => name === undefined || object.metadata?.name === name,
  );
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as T;
}

export function deployment(result: ConvertResult): V1Deployment {
  return one<V1Deployment>(result, 'Deployment');
}

/** A service's container, whether it runs as a main container or, waited for, as an init container. */
export function container(result: ConvertResult, name: string): V1Container {
  const pod = deployment(result).spec?.template.spec;
  const found = [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])].find((c) => c.name === name);
  assert.ok(found, `container ${name}`);
  return found;
}

export function claimNames(result: ConvertResult): Record<string, string> {
  const volumes = deployment(result).spec?.template.spec?.volumes ?? [];
  return Object.fromEntries(
    volumes.flatMap((v) => (v.persistentVolumeClaim ? [[v.name, v.persistentVolumeClaim.claimName]] : [])),
  );
}

export function pvOf(result: ConvertResult, volume: string): V1PersistentVolume {
  const found = ofKind<V1PersistentVolume>(result, 'PersistentVolume').filter(
    (pv) => pv.metadata?.labels?.['kompox.dev/volume'] === volume,
  );
  assert.equal(found.length, 1);
  return found[0] as V1PersistentVolume;
}

export function pvcOf(result: ConvertResult, volume: string): V1PersistentVolumeClaim {
  const found = ofKind<V1PersistentVolumeClaim>(result, 'PersistentVolumeClaim').filter(
    (pvc) => pvc.metadata?.labels?.['kompox.dev/volume'] === volume,
  );
  assert.equal(found.length, 1);
  return found[0] as V1PersistentVolumeClaim;
}

export function secretText(secret: V1Secret, key: string): string {
  const value = secret.data?.[key];
  assert.ok(value !== undefined, `secret ${secret.metadata?.name} has key ${key}`);
  return Buffer.from(value, 'base64').toString('utf8');
}
