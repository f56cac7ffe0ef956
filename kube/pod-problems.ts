// Why a pod is not up, in words a user acts on: a container that cannot start (an image that
// cannot be pulled, a crash loop) and what the pod's events say about scheduling, attaching and
// mounting its volumes. Used by `app status` and by a rollout that waits too long.
import { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';

/** Reasons a container waits that mean it will not start by itself soon. */
const STUCK =
  /ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|CrashLoopBackOff|CreateContainer(Config)?Error|RunContainerError/;

/** Events that keep a pod from starting, newest wins per reason. */
const BLOCKING_EVENTS = ['FailedAttachVolume', 'FailedMount', 'FailedScheduling'];

export function containerProblems(pod: V1Pod): string[] {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return statuses.flatMap((c) => {
    const w = c.state?.waiting;
    return w?.reason && STUCK.test(w.reason)
      ? [`container ${c.name} ${w.reason}${w.message ? `: ${w.message}` : ''}`]
      : [];
  });
}

/** The attach/detach controller's words for an RWO disk still held by a pod on another node. */
function explainAttach(message: string): string {
  // "… Volume is already used by pod(s) a, b" (same namespace) or "… by 1 pod(s) in different namespaces".
  const held =
    /^(?:Waiting for detach|Multi-Attach error) for volume "([^"]+)" Volume is already used by (.+)$/.exec(
      message,
    );
  if (!held) return `volume attach failing: ${message}`;
  return (
    `the disk of PersistentVolume ${held[1]} is still attached to another node, used by ${held[2]} (Multi-Attach): ` +
    'a ReadWriteOnce disk is on one node at a time, so this pod waits until it detaches ' +
    '(when that pod is gone, or its node is tainted node.kubernetes.io/out-of-service)'
  );
}

/** Everything that keeps the pod from running, or nothing for a pod that is fine. */
export async function podProblems(kc: KubeConfig, pod: V1Pod): Promise<string[]> {
  const problems = containerProblems(pod);
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  if (ready || !pod.metadata?.name || !pod.metadata.namespace) return problems;
  const events = await kc
    .makeApiClient(CoreV1Api)
    .listNamespacedEvent({
      namespace: pod.metadata.namespace,
      fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod.metadata.name}`,
    })
    .catch(() => undefined);
  for (const reason of BLOCKING_EVENTS) {
    const latest = (events?.items ?? [])
      .filter((e) => e.reason === reason && e.involvedObject.uid === pod.metadata?.uid)
      .sort((a, b) =>
        String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime)),
      )
      .pop();
    if (!latest?.message) continue;
    if (reason === 'FailedAttachVolume') problems.push(explainAttach(latest.message));
    else if (reason === 'FailedMount') problems.push(`volume mount failing: ${latest.message}`);
    else problems.push(`cannot be scheduled: ${latest.message}`);
  }
  return problems;
}
