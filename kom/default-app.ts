// Which App a command means when none is named (reference §1.5, step 6).
import { KomError, quote } from './errors';
import type { LoadedProject } from './model/project';

export interface AppSelection {
  appId?: string;
  appName?: string;
}

/** `--app-id` > `--app-name` (must be unique) > Defaults spec.appId > the single App in the app file. */
export function resolveDefaultAppId(project: LoadedProject, selection: AppSelection = {}): string {
  const where = project.appFile ?? project.cwd;
  const fail = (message: string): never => {
    throw new KomError([{ severity: 'error', file: where, message }]);
  };
  if (selection.appId !== undefined) {
    if (!project.apps.some((app) => app.id === selection.appId)) {
      fail(`App ${quote(selection.appId)} (--app-id) is not declared in any loaded KOM file`);
    }
    return selection.appId;
  }
  if (selection.appName !== undefined) {
    const matches = project.apps.filter((app) => app.name === selection.appName);
    if (matches.length === 0) fail(`no App is named ${quote(selection.appName)} (--app-name)`);
    if (matches.length > 1) {
      fail(
        `${matches.length} Apps are named ${quote(selection.appName)}: ${matches.map((app) => app.id).join(', ')}; use --app-id`,
      );
    }
    return matches[0]?.id ?? '';
  }
  if (project.defaults?.appId !== undefined) return project.defaults.appId;
  const local = project.apps.filter((app) => app.origin.fromAppFile);
  if (local.length === 1) return local[0]?.id ?? '';
  if (local.length > 1) {
    fail(`the app file declares ${local.length} Apps; choose one with --app-id or Defaults spec.appId`);
  }
  return fail('no App selected: pass --app-id or --app-name, or run in a directory with a kompoxapp.yml');
}
