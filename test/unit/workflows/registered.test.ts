// Every operation kind's workflow is one the worker registers: the controller starts children
// by function, the worker knows only what workflows/index.ts exports.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { OperationKind } from '../../../api/operation';
import * as registered from '../../../workflows/index';
import { operationWorkflowFor } from '../../../workflows/operation-workflows';

// A record over every kind, so a new kind without an entry here fails to compile.
const KINDS: Record<OperationKind, true> = {
  'disk.create': true,
  'disk.bootstrap': true,
  'disk.assign': true,
  'disk.delete': true,
  'app.deploy': true,
  'app.destroy': true,
  'app.failover': true,
  'app.migrate': true,
  'kept.prune': true,
  'snapshot.create': true,
  'snapshot.delete': true,
  'snapshot.restore': true,
  'snapshot.prune': true,
  'test.hold': true,
};

void it('registers the workflow of every operation kind', () => {
  const exported = new Set(Object.keys(registered));
  for (const kind of Object.keys(KINDS) as OperationKind[]) {
    const name = operationWorkflowFor(kind).name;
    assert.ok(exported.has(name), `${kind}: ${name} is not exported by workflows/index.ts`);
  }
});
