// Loads an app's KOM and compose on the worker, from the project location in its target.
import { type AppContext, isKomError, loadProject, resolveApp } from '../kom';
import type { AppTarget } from '../workflows/app-target';
import { refuse } from './failures';

export function loadTargetContext(target: AppTarget): AppContext {
  const { cwd, ...flags } = target.project;
  try {
    const project = loadProject({ cwd, env: process.env, flags });
    return resolveApp(project, target.appId);
  } catch (err) {
    if (isKomError(err)) return refuse(err.message, 'ValidationError');
    throw err;
  }
}
