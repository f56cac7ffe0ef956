// A static PV's claimRef is shared with the PV controller: Kompox writes namespace and name (the
// reservation for the app's claim), the controller adds uid and resourceVersion when it binds.
// claimRef is an atomic field, so a forced server-side apply of ours, without uid, would replace the
// controller's whole value and the bound claim would go Lost. So a re-apply sends the live claimRef
// when it already names the same claim: the applied value equals the stored one and nothing changes.
import { CoreV1Api, type KubeConfig, type V1PersistentVolume } from '@kubernetes/client-node';
import { isNotFound, withKubeError } from './errors';

/** `pv` with the stored claimRef in place of ours when the stored one reserves the same claim. */
export async function withLiveClaimRef(kc: KubeConfig, pv: V1PersistentVolume): Promise<V1PersistentVolume> {
  const wanted = pv.spec?.claimRef;
  const name = pv.metadata?.name;
  if (wanted === undefined || name === undefined) return pv;
  let live: V1PersistentVolume;
  try {
    live = await withKubeError(`read PersistentVolume ${name}`, () =>
      kc.makeApiClient(CoreV1Api).readPersistentVolume({ name }),
    );
  } catch (err) {
    if (isNotFound(err)) return pv;
    throw err;
  }
  const stored = live.spec?.claimRef;
  const sameClaim = stored?.namespace === wanted.namespace && stored?.name === wanted.name;
  // Released: the claim that uid names is gone; ours (no uid) reserves the PV for its successor.
  if (!sameClaim || live.status?.phase === 'Released') return pv;
  return { ...pv, spec: { ...pv.spec, claimRef: stored } };
}
