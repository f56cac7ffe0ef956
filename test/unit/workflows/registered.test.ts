// Every operation kind's workflow is one the worker registers: the controller starts children
// by function, the worker knows only what workflows/index.ts exports.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { OperationKind } from '../../../api/operation';
import * as registered from '../../../workflows/index';
import { operationWorkflowFor } from '../../../workflows/operation-workflows';
import { KINDS } from '../../../workflows/request-validation';

void it('registers the workflow of every operation kind', () => {
  const exported = new Set(Object.keys(registered));
  for (const kind of Object.keys(KINDS) as OperationKind[]) {
    const name = operationWorkflowFor(kind).name;
    assert.ok(exported.has(name), `${kind}: ${name} is not exported by workflows/index.ts`);
  }
});
