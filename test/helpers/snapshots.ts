// Helpers of the snapshot tests: the local driver of a target, the controller's view, operations
// run to the end, directory checksums (a local disk is a directory), and edits of a wiki test
// project's KOM (spec.snapshots, provider settings).
import { devAccess } from '../../workers/worker-config';
import type { Client } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { driverFor } from '../../activities/driver-for-target';
import { type NewRequest, submitOperation, watchOperation } from '../../client/submit-operation';
import type { ProviderDriver } from '../../drivers/driver';
import type { AppTarget } from '../../api/app-target';
import { appControllerWorkflowId } from '../../api/ids';
import { type ControllerView, controllerViewQuery } from '../../api/messages';
import type { OperationRecord } from '../../api/operation';
import { localActivityRun } from './local-activity';
import { localAppTarget } from './app-target';
import type { TestProject } from './deploy-project';
import { type TestStack, startTestStack } from './dev-stack';
import { readOperation } from '../../client/live-steps';

/**
 * A test stack for the enclosing describe, and local app targets whose state roots are removed
 * with it. Read `stack` inside tests only.
 */
export function suiteStack(): { readonly stack: TestStack; target: typeof localAppTarget } {
  let stack: TestStack | undefined;
  const roots: string[] = [];
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });
  return {
    get stack(): TestStack {
      if (stack === undefined) throw new Error('suiteStack().stack read outside a test');
      return stack;
    },
    target: (opts) => {
      const target = localAppTarget(opts);
      roots.push(target.provider.settings.LOCAL_ROOT!);
      return target;
    },
  };
}

/** The local driver the worker uses for `target` (same settings, so the same state root). */
export function driverOf(target: AppTarget, stateDir: string): Promise<ProviderDriver> {
  return driverFor({ stateDir, access: devAccess('the test') }, target);
}

export function controllerView(client: Client, appKey: string): Promise<ControllerView> {
  return client.workflow.getHandle(appControllerWorkflowId(appKey)).query(controllerViewQuery);
}

/** Submits an operation and follows it to its final phase. */
export async function runOperation(client: Client, request: NewRequest): Promise<OperationRecord> {
  const accepted = await submitOperation(client, request);
  return watchOperation(client, accepted.appKey, accepted.id, { pollMs: 200 });
}

/**
 * Activity type → the attempt number each of its tasks last started with, from an operation's
 * history (Temporal records only the final attempt of a retried activity; a local activity's
 * marker records its final attempt too).
 */
export async function activityAttempts(
  client: Client,
  workflowId: string,
): Promise<Record<string, number[]>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const typeOf = new Map<string, string>();
  const attempts: Record<string, number[]> = {};
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) typeOf.set(String(e.eventId), s.activityType?.name ?? '');
    const st = e.activityTaskStartedEventAttributes;
    if (st) (attempts[typeOf.get(String(st.scheduledEventId)) ?? '?'] ??= []).push(st.attempt ?? 1);
    const local = localActivityRun(e);
    if (local) (attempts[local.type] ??= []).push(local.attempt);
  }
  return attempts;
}

/** Waits until the controller runs nothing and has nothing queued. */
export async function waitControllerIdle(client: Client, appKey: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await controllerView(client, appKey);
    if (!view.currentOperation && view.queued.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `controller of ${appKey} still busy after ${timeoutMs} ms: ${view.currentOperation?.id}`,
      );
    await sleep(250);
  }
}

/** `s<yyyymmdd>-<hhmmss>` of a UTC instant, written out here rather than taken from the product. */
export function expectedScheduledName(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `s${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}` +
    `-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
  );
}

/** Writes `files` (relative path → content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/** Relative path → SHA-256 of every regular file under `dir`, sorted by path. */
export function treeChecksums(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.isFile())
        out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export const sha256 = (content: string | Buffer): string =>
  createHash('sha256').update(content).digest('hex');

function replaceIn(file: string, from: RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${file} does not contain ${String(from)}; update the test`);
  writeFileSync(file, next);
}

/** Replaces the `spec.snapshots` block of a wiki project's KOM with `lines` (without indent). */
export function setWikiSnapshots(project: Pick<TestProject, 'dir'>, lines: string[]): void {
  replaceIn(
    join(project.dir, 'kompoxapp.yml'),
    /^ {2}snapshots:\n( {4}.*\n)+/m,
    `  snapshots:\n${lines.map((l) => `    ${l}\n`).join('')}`,
  );
}

/** Sets the local Provider's settings of a test project (LOCAL_ROOT stays the project's). */
export function setProviderSettings(project: TestProject, settings: Record<string, string>): void {
  const all = { LOCAL_ROOT: project.localRoot, ...settings };
  replaceIn(
    join(project.dir, '.kompox', 'kom', 'infra.yml'),
    /^ {2}settings: \{.*\}$/m,
    `  settings: { ${Object.entries(all)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join(', ')} }`,
  );
}

/** Polls the operation until `ready(steps)` holds. */
export async function waitForSteps(
  client: Client,
  appKey: string,
  operationId: string,
  what: string,
  ready: (steps: OperationRecord['steps']) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rec = await readOperation(client, appKey, operationId);
    if (rec && ready(rec.steps)) return;
    if (Date.now() > deadline)
      throw new Error(`${what} not seen in ${timeoutMs} ms: ${JSON.stringify(rec?.steps)}`);
    await sleep(100);
  }
}
