import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadProject, locateProject, resolveDefaultAppId } from '../../../kom';
import { APP_ID, appDocument, assertHasError, INFRA, komErrors, writeProject } from './project-fixture';

const APP_FILE = appDocument('compose: "services: {}"');
const WORKSPACE_ONLY = INFRA.split('---')[0] ?? '';

void describe('project discovery', () => {
  void it('walks up to the directory holding .kompox; the app file is taken from the working directory', () => {
    const root = writeProject({ '.kompox/kom/infra.yml': INFRA, 'apps/app1/kompoxapp.yml': APP_FILE });
    const cwd = path.join(root, 'apps/app1');
    const location = locateProject({ cwd, env: {} });
    assert.equal(location.root, root);
    assert.equal(location.kompoxDir, path.join(root, '.kompox'));
    assert.equal(location.appFile, path.join(cwd, 'kompoxapp.yml'));
    assert.equal(locateProject({ cwd: path.join(root, 'apps'), env: {} }).appFile, undefined);
  });

  void it('honours -C, KOMPOX_ROOT, KOMPOX_DIR and KOMPOX_KOM_APP, flags before env', () => {
    const root = writeProject({
      'custom-dir/kom/infra.yml': INFRA,
      'a.yml': APP_FILE,
      'b.yml': APP_FILE,
      'sub/x': '',
    });
    const env = { KOMPOX_ROOT: root, KOMPOX_DIR: path.join(root, 'custom-dir'), KOMPOX_KOM_APP: 'a.yml' };
    const location = locateProject({ cwd: '/', env, flags: { chdir: root } });
    assert.deepEqual(location, {
      cwd: root,
      root,
      kompoxDir: path.join(root, 'custom-dir'),
      appFile: path.join(root, 'a.yml'),
    });
    assert.equal(
      locateProject({ cwd: root, env, flags: { komApp: 'b.yml' } }).appFile,
      path.join(root, 'b.yml'),
    );
    assert.equal(
      locateProject({ cwd: root, env, flags: { kompoxRoot: path.join(root, 'sub') } }).root,
      path.join(root, 'sub'),
    );
    const project = loadProject({ cwd: root, env });
    assert.equal(project.komSources.level, 'default');
    assert.equal(project.clusters.length, 1);
  });

  void it('fails clearly without a .kompox directory or with a missing explicit app file', () => {
    const bare = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'kom-bare-'));
    assertHasError(
      komErrors(() => locateProject({ cwd: bare, env: {} })),
      'no .kompox directory',
      'kompoxops init',
    );
    const root = writeProject({});
    assertHasError(
      komErrors(() => locateProject({ cwd: root, env: { KOMPOX_KOM_APP: 'nope.yml' } })),
      'nope.yml',
      'does not exist',
    );
  });

  void it('uses only the first non-empty KOM source level', () => {
    const root = writeProject({
      'flag/infra.yml': INFRA,
      'env/infra.yml': INFRA,
      'defaults/infra.yml': INFRA,
      '.kompox/config-kom/infra.yml': INFRA,
      '.kompox/kom/ws.yml': WORKSPACE_ONLY,
      '.kompox/config.yml': 'version: 1\nkomPath: [config-kom]\n',
      'kompoxapp.yml': `apiVersion: ops.kompox.dev/v1alpha1\nkind: Defaults\nspec: { komPath: [defaults] }\n---\n${APP_FILE}`,
    });
    const level = (env: Record<string, string>, komPath?: string[]) =>
      loadProject({ cwd: root, env, ...(komPath ? { flags: { komPath } } : {}) }).komSources;
    assert.deepEqual(level({ KOMPOX_KOM_PATH: 'env' }, ['flag']), {
      level: 'flag',
      paths: [path.join(root, 'flag')],
    });
    assert.deepEqual(level({ KOMPOX_KOM_PATH: `env${path.delimiter}` }), {
      level: 'env',
      paths: [path.join(root, 'env')],
    });
    assert.deepEqual(level({}), { level: 'defaults', paths: [path.join(root, 'defaults')] });
    fs.writeFileSync(path.join(root, 'kompoxapp.yml'), APP_FILE);
    assert.deepEqual(level({}), { level: 'config', paths: [path.join(root, '.kompox/config-kom')] });
    fs.writeFileSync(path.join(root, '.kompox/config.yml'), 'version: 1\n');
    // Only a Workspace in .kompox/kom: proves the other levels were not merged in.
    assertHasError(
      komErrors(() => level({})),
      'parent "/ws/ws1/prv/prv1/cls/cls1" does not exist',
    );
  });

  void it('errors on missing paths and on Defaults komPath outside the project', () => {
    const root = writeProject({
      '.kompox/kom/infra.yml': INFRA,
      'kompoxapp.yml': `apiVersion: ops.kompox.dev/v1alpha1\nkind: Defaults\nspec: { komPath: [../elsewhere, "http://x/y", "*.yml"] }\n---\n${APP_FILE}`,
    });
    const errors = komErrors(() => loadProject({ cwd: root, env: {} }));
    assertHasError(
      errors,
      'kompoxapp.yml: Defaults: spec.komPath: "../elsewhere": resolves to',
      'outside KOMPOX_ROOT',
    );
    assertHasError(errors, '"http://x/y": URLs are not supported');
    assertHasError(errors, '"*.yml": globs are not supported');
    const flagErrors = komErrors(() =>
      loadProject({ cwd: root, env: {}, flags: { komPath: ['missing-dir'] } }),
    );
    assertHasError(flagErrors, 'missing-dir: does not exist (listed in --kom-path)');
  });

  void it('skips ignored directories and non-YAML files while scanning', () => {
    const root = writeProject({
      '.kompox/kom/infra.yml': INFRA,
      '.kompox/kom/node_modules/bad.yml': 'not: kom',
      '.kompox/kom/notes.txt': 'hello',
      'kompoxapp.yml': APP_FILE,
    });
    const project = loadProject({ cwd: root, env: {} });
    assert.deepEqual(
      project.files.map((file) => path.relative(root, file)),
      ['kompoxapp.yml', '.kompox/kom/infra.yml'],
    );
  });
});

void describe('default App ID', () => {
  const twoApps = () =>
    writeProject({
      '.kompox/kom/infra.yml': INFRA,
      'kompoxapp.yml': `${APP_FILE}---\n${appDocument('compose: "services: {}"', 'app2')}`,
    });

  void it('prefers --app-id, then --app-name, then Defaults, then the single app of the app file', () => {
    const project = loadProject({ cwd: twoApps(), env: {} });
    const app2 = '/ws/ws1/prv/prv1/cls/cls1/app/app2';
    assert.equal(resolveDefaultAppId(project, { appId: app2, appName: 'app1' }), app2);
    assert.equal(resolveDefaultAppId(project, { appName: 'app1' }), APP_ID);
    assertHasError(
      komErrors(() => resolveDefaultAppId(project)),
      'the app file declares 2 Apps',
    );
    assertHasError(
      komErrors(() => resolveDefaultAppId(project, { appName: 'zzz' })),
      'no App is named "zzz"',
    );
    assertHasError(
      komErrors(() => resolveDefaultAppId(project, { appId: '/ws/x' })),
      'is not declared',
    );
    const withDefaults = loadProject({
      cwd: writeProject({
        '.kompox/kom/infra.yml': INFRA,
        'kompoxapp.yml': `apiVersion: ops.kompox.dev/v1alpha1\nkind: Defaults\nspec: { appId: ${APP_ID} }\n---\n${APP_FILE}---\n${appDocument('compose: "services: {}"', 'app2')}`,
      }),
      env: {},
    });
    assert.equal(resolveDefaultAppId(withDefaults), APP_ID);
    const single = loadProject({
      cwd: writeProject({ '.kompox/kom/infra.yml': INFRA, 'kompoxapp.yml': APP_FILE }),
      env: {},
    });
    assert.equal(resolveDefaultAppId(single), APP_ID);
  });
});
