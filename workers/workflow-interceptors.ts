// The workflow interceptor modules every worker, bundle and replay loads with the workflows.
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/step-reports-interceptor')];
