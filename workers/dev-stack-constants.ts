// Shared by the dev stack, the worker and the CLI.
export const NAMESPACE = 'default';
