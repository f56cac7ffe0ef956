// Bundles the workflow code once at build time so the worker, tests and replay share one
// bundle and the worker starts without running webpack.
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURE_CONVERTER_PATH } from '../client/codec/data-converter';
import { WORKFLOW_INTERCEPTOR_MODULES } from './workflow-interceptors';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
  });
  const out = join(__dirname, '..', 'workflow-bundle.js');
  writeFileSync(out, code);
  process.stderr.write(`workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} KiB)\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
