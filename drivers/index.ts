// Public surface of drivers/: the contract, helpers shared by all providers and the registry.
// Provider implementations are not re-exported, so importing this never loads a cloud SDK.

export * from './create-intent';
export * from './driver';
export * from './errors';
export * from './idempotency';
export * from './long-operation';
export * from './registry';
export * from './source';
export * from './tags';
