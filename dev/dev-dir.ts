// Where the embedded dev stack keeps its state: KOMPOX_DEV_DIR, else a per-user directory.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function devDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KOMPOX_DEV_DIR) return resolve(env.KOMPOX_DEV_DIR);
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'kompox', 'dev');
}
