// user, group_add, cap_add/cap_drop, read_only, sysctls, init and fsGroup end up in the
// securityContext fields of the same meaning.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertProject } from './fixture';
import { container, deployment } from './helpers';
import { DEFAULT_FS_GROUP } from '../../../../kube/convert/security';

void describe('convertApp: security settings', () => {
  const result = convertProject({
    compose: `services:
  db:
    image: postgres:16
    user: "999:999"
    volumes: ['db:/var/lib/postgresql/data']
    cap_drop: [ALL]
    cap_add: [CAP_CHOWN, setuid]
    read_only: true
    group_add: ["70"]
    sysctls: { net.ipv4.tcp_keepalive_time: 600 }
  web:
    image: nginx
    init: true
    group_add: ["70", "101"]
    sysctls: ['net.ipv4.ip_unprivileged_port_start=0']
`,
  });

  void it('sets the container securityContext from user, capabilities and read_only', () => {
    assert.deepEqual(container(result, 'db').securityContext, {
      runAsUser: 999,
      runAsGroup: 999,
      capabilities: { add: ['CHOWN', 'SETUID'], drop: ['ALL'] },
      readOnlyRootFilesystem: true,
    });
    assert.equal(container(result, 'web').securityContext, undefined);
  });

  void it('sets pod-wide groups, sysctls, the disk writer group as fsGroup, and a shared PID namespace for init', () => {
    const pod = deployment(result).spec?.template.spec;
    assert.deepEqual(pod?.securityContext, {
      supplementalGroups: [70, 101],
      sysctls: [
        { name: 'net.ipv4.ip_unprivileged_port_start', value: '0' },
        { name: 'net.ipv4.tcp_keepalive_time', value: '600' },
      ],
      fsGroup: 999,
      fsGroupChangePolicy: 'OnRootMismatch',
    });
    assert.equal(pod?.shareProcessNamespace, true);
  });

  void it('makes a writable disk writable for non-root images even without user:', () => {
    const plain = convertProject({
      compose: "services:\n  gitea:\n    image: gitea/gitea\n    volumes: ['data:/data']\n",
    });
    assert.equal(deployment(plain).spec?.template.spec?.securityContext?.fsGroup, DEFAULT_FS_GROUP);
    const readOnly = convertProject({
      compose: "services:\n  web:\n    image: nginx\n    volumes: ['data:/srv:ro']\n",
    });
    assert.equal(deployment(readOnly).spec?.template.spec?.securityContext, undefined);
  });
});
