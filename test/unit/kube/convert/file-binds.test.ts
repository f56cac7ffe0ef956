// Relative binds of local content: a single file is mounted read-only from a ConfigMap; a
// directory's files are copied onto the volume once, or named when they cannot be.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { formatKomIssue, loadProject, resolveApp, type AppContext } from '../../../../kom';
import { APP_ID, appProject, assertHasError, komErrors } from '../../kom/project-fixture';
import { convertProject } from './fixture';
import { container, one } from './helpers';

const NGINX = `services:
  web:
    image: nginx
    volumes:
      - ./nginx.conf:/etc/nginx/conf.d/default.conf
      - ./nginx.conf:/etc/nginx/nginx-copy.conf:ro
      - ./html:/usr/share/nginx/html
`;
const FILES = {
  'nginx.conf': 'server {}\n',
  'html/index.html': '<h1>hi</h1>',
  'html/css/site.css': '',
  'html/.gitkeep': '',
};

const resolveWith = (compose: string, extra: Record<string, string>): AppContext =>
  resolveApp(loadProject({ cwd: appProject({ compose, extra }), env: {} }), APP_ID);

void describe('convertApp: single-file binds', () => {
  const result = convertProject({ compose: NGINX, extra: FILES });

  void it('mounts the file read-only from one ConfigMap keyed by its name', () => {
    const configMap = one<V1ConfigMap>(result, 'ConfigMap', 'app1-app--cfg-bind-nginx-conf');
    assert.deepEqual(configMap.data, { 'nginx.conf': 'text of nginx.conf\n' });
    const mounts = container(result, 'web').volumeMounts ?? [];
    const fileMounts = mounts.filter((mount) => mount.subPath === 'nginx.conf');
    assert.deepEqual(
      fileMounts.map((mount) => [mount.mountPath, mount.readOnly]),
      [
        ['/etc/nginx/conf.d/default.conf', true],
        ['/etc/nginx/nginx-copy.conf', true],
      ],
    );
  });

  void it('keeps a directory bind on the first App volume', () => {
    const mounts = container(result, 'web').volumeMounts ?? [];
    assert.deepEqual(
      mounts.find((mount) => mount.mountPath === '/usr/share/nginx/html'),
      { name: 'data', mountPath: '/usr/share/nginx/html', subPath: 'html' },
    );
  });
});

void describe('compose: what binds of local content tell the user', () => {
  void it('warns when the file bind was not :ro, and says which files a directory bind copies', () => {
    const warnings = resolveWith(NGINX, FILES).warnings.map(formatKomIssue);
    assertHasError(warnings, 'volumes[0]', 'mounted read-only from a ConfigMap (add :ro to say so)');
    assert.equal(warnings.filter((line) => line.includes('volumes[1]')).length, 0, warnings.join('\n'));
    assertHasError(
      warnings,
      'volumes[2]',
      'the 2 file(s) of the local directory (css/site.css, index.html) are copied into directory "html" of App volume "data"',
      'never overwritten',
    );
  });

  void it('names the files that will be missing when a directory cannot be copied', () => {
    const root = appProject({ compose: NGINX, extra: FILES });
    fs.symlinkSync(path.join(root, 'nginx.conf'), path.join(root, 'html/link.conf'));
    const warnings = resolveApp(loadProject({ cwd: root, env: {} }), APP_ID).warnings.map(formatKomIssue);
    assertHasError(
      warnings,
      'volumes[2]',
      'is not copied (it holds "link.conf", which is not a regular file)',
      '(css/site.css, index.html) will not be in the container',
    );
  });

  void it('refuses a file too large for a ConfigMap, and Windows paths by name', () => {
    const errors = komErrors(() =>
      resolveWith(
        `services:\n  web:\n    image: nginx\n    volumes: ['./big.bin:/big.bin:ro', 'C:\\\\data:/data', { type: bind, source: 'D:/x', target: /x }]\n`,
        { 'big.bin': 'x'.repeat(1024 * 1024 + 1) },
      ),
    );
    assertHasError(errors, 'volumes[0]', 'the file is 1048577 bytes', 'at most 1048576 bytes');
    assertHasError(errors, 'volumes[1]', 'starts with a Windows path');
    assertHasError(errors, 'volumes[2]', '"D:/x" is a Windows path');
  });
});
