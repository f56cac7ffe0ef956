// Builds throwaway Kompox projects in temp directories, so each test states the files it needs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KomError, formatKomIssue } from '../../../kom';

export const INFRA = `apiVersion: ops.kompox.dev/v1alpha1
kind: Workspace
metadata: { name: ws1, annotations: { ops.kompox.dev/id: /ws/ws1 } }
spec: {}
---
apiVersion: ops.kompox.dev/v1alpha1
kind: Provider
metadata: { name: prv1, annotations: { ops.kompox.dev/id: /ws/ws1/prv/prv1 } }
spec: { driver: local }
---
apiVersion: ops.kompox.dev/v1alpha1
kind: Cluster
metadata: { name: cls1, annotations: { ops.kompox.dev/id: /ws/ws1/prv/prv1/cls/cls1 } }
spec: { existing: true, ingress: { domain: cls1.example.test } }
`;

export const APP_ID = '/ws/ws1/prv/prv1/cls/cls1/app/app1';

/** An App document; `spec` is YAML indented under `spec:`. */
export function appDocument(spec: string, name = 'app1'): string {
  return `apiVersion: ops.kompox.dev/v1alpha1
kind: App
metadata: { name: ${name}, annotations: { ops.kompox.dev/id: /ws/ws1/prv/prv1/cls/cls1/app/${name} } }
spec:
${spec
  .split('\n')
  .map((line) => `  ${line}`)
  .join('\n')}
`;
}

export const DEFAULT_APP_SPEC = `compose: file:compose.yml
volumes:
  - { name: data, size: 1Gi }
  - { name: db, size: 2Gi }`;

export const SIMPLE_COMPOSE = `services:
  web:
    image: nginx:1.27
    ports: ['8080:80']
    volumes: ['data:/usr/share/nginx/html']
`;

/** Writes `files` (path → content) under a fresh temp dir and returns the dir. */
export function writeProject(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kom-test-'));
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  fs.mkdirSync(path.join(root, '.kompox'), { recursive: true });
  return root;
}

/** A project with the standard infra, an app file with `appSpec` and a compose file. */
export function appProject(
  options: { appSpec?: string; compose?: string; extra?: Record<string, string> } = {},
): string {
  return writeProject({
    '.kompox/kom/infra.yml': INFRA,
    'kompoxapp.yml': appDocument(options.appSpec ?? DEFAULT_APP_SPEC),
    'compose.yml': options.compose ?? SIMPLE_COMPOSE,
    ...options.extra,
  });
}

/** Runs `action`, expects a KomError, returns its formatted errors. */
export function komErrors(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof KomError) return error.errors.map(formatKomIssue);
    throw error;
  }
  assert.fail('expected a KomError');
}

/** Asserts that some error line contains every fragment. */
export function assertHasError(errors: readonly string[], ...fragments: string[]): void {
  const found = errors.some((line) => fragments.every((fragment) => line.includes(fragment)));
  assert.ok(found, `no error contains ${JSON.stringify(fragments)}; errors:\n${errors.join('\n')}`);
}
