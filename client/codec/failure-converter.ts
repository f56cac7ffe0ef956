// Failure messages and stack traces travel inside an encrypted payload too, not as plaintext
// fields of the history: an error can quote what it failed on (a file, a setting). Loaded by
// path, because the workflow sandbox needs its own copy (bundled by workers/bundle-workflows.ts).
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
