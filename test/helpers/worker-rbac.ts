// What the tests of the in-cluster worker share: the README's "Running in production" commands
// they run, and the ClusterRole's rules checked against the apiserver's audit log (every verb of
// every rule used, nothing denied).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { type AuditEvent, readAuditLog } from '../../dev/cluster';
import { clusterPaths } from '../../dev/cluster/layout';
import { devClusterDir } from '../../dev/dev-stack';
import { applyObjects } from '../../kube/apply';
import type { ClusterRoleRule } from '../../workers/in-cluster/cluster-role';
import { WORKER_NAME } from '../../workers/in-cluster/manifests';
import { repoRoot } from '../../workers/repo-root';

export const WORKER_NAMESPACE = 'kompox';
export const SERVICE_ACCOUNT = `system:serviceaccount:${WORKER_NAMESPACE}:${WORKER_NAME}`;

/** The commands of the README's "Running in production" block that the tests run. */
export function readmeCommands(): {
  generateKey: string[];
  manifests: string[];
  secrets: { name: string; key: string }[];
} {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const section = /## Running in production\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(section, 'README.md has no "Running in production" sh block');
  const lines = section.replace(/\\\n\s*/g, '').split('\n');
  const words = (line: string | undefined, what: string): string[] => {
    assert.ok(line, `the README's block has no ${what}`);
    return line.split('|')[0]!.trim().split(/\s+/).slice(1);
  };
  return {
    generateKey: words(
      lines.find((l) => l.startsWith('kompoxops codec-server --generate-key')),
      'codec-server --generate-key',
    ).filter((w) => w !== '>' && w !== 'codec.keys'),
    manifests: words(
      lines.find((l) => / worker manifests /.test(l)),
      'kompoxops … worker manifests',
    ),
    secrets: lines
      .map((l) => /create secret generic (\S+) --from-file=([\w.-]+)=/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ name: m[1]!, key: m[2]! })),
  };
}

/**
 * What the README's `kubectl create namespace` and `kubectl create secret` lines make, through
 * the API (no kubectl here): the worker's namespace and its Secrets, the codec keys given.
 */
export async function applyReadmeSecrets(
  kc: KubeConfig,
  secrets: { name: string; key: string }[],
  codecKeys: string,
): Promise<void> {
  await applyObjects(kc, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: WORKER_NAMESPACE } },
    ...secrets.map(({ name, key }) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: WORKER_NAMESPACE },
      stringData: { [key]: key === 'codec-keys' ? codecKeys : 'test-webhook-token\n' },
    })),
  ]);
}

/** The value of `flag` in a command's words. */
export function flagValue(words: string[], flag: string): string {
  const i = words.indexOf(flag);
  assert.ok(i >= 0 && i + 1 < words.length, `${flag} is not in: ${words.join(' ')}`);
  return words[i + 1]!;
}

/** The words with `flag`'s value replaced. */
export function withFlag(words: string[], flag: string, value: string): string[] {
  flagValue(words, flag);
  return words.map((w, i) => (words[i - 1] === flag ? value : w));
}

/** The ServiceAccount's (or `username`'s) requests in the dev cluster's audit log. */
export function serviceAccountRequests(stackDir: string, username = SERVICE_ACCOUNT): AuditEvent[] {
  return readAuditLog(clusterPaths(devClusterDir(stackDir)).auditLog).filter(
    (e) => e.user.username === username,
  );
}

/** Asserts the requests were all allowed and used every verb of every rule. */
export function assertRulesUsedAndNothingDenied(
  events: AuditEvent[],
  rules: readonly ClusterRoleRule[],
): void {
  assert.ok(events.length > 0, 'the audit log holds no request of the ServiceAccount');
  const denied = events.filter((e) => e.responseStatus?.code === 403).map(describe403);
  assert.deepEqual(denied, [], 'requests the ClusterRole does not allow');
  const used = new Set(events.filter((e) => e.objectRef?.resource).flatMap(permissionsOf));
  const granted = rules.flatMap((rule) =>
    rule.apiGroups.flatMap((g) => rule.resources.flatMap((r) => rule.verbs.map((v) => `${v} ${g}/${r}`))),
  );
  assert.deepEqual(
    granted.filter((p) => !used.has(p)),
    [],
    `granted but never used (used: ${[...used].sort().join(', ')})`,
  );
}

/** `verb group/resource[/subresource]`, as an RBAC rule names it. */
function permissionOf(e: AuditEvent, verb = e.verb): string {
  const ref = e.objectRef!;
  return `${verb} ${ref.apiGroup ?? ''}/${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''}`;
}

/**
 * A server-side apply that created its object (201) was authorized for create as well as patch.
 * So was an exec the apiserver let through: its WebSocket upgrade is a GET, recorded as `get`,
 * and since Kubernetes 1.35 (AuthorizePodWebsocketUpgradeCreatePermission, on by default) the
 * apiserver also requires `create` on the subresource; without it the GET is refused with 403.
 */
function permissionsOf(e: AuditEvent): string[] {
  const created =
    (e.verb === 'patch' && e.responseStatus?.code === 201) ||
    (e.verb === 'get' && isConnect(e) && e.responseStatus?.code !== 403);
  return created ? [permissionOf(e), permissionOf(e, 'create')] : [permissionOf(e)];
}

/** A request to a pod's exec, attach or portforward: the connections the apiserver upgrades. */
export function isConnect(e: AuditEvent): boolean {
  return (
    e.objectRef?.resource === 'pods' &&
    ['exec', 'attach', 'portforward'].includes(e.objectRef.subresource ?? '')
  );
}

function describe403(e: AuditEvent): string {
  return `${permissionOf(e)} (${e.requestURI})`;
}
