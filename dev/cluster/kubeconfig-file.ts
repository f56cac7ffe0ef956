// Writes the admin kubeconfig of a dev cluster. The CA is embedded so the file works from anywhere
// (kubectl, client-node, a copy in another directory).
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export const DEV_CONTEXT = 'kompox-dev';

export function writeAdminKubeconfig(path: string, server: string, caCertPath: string, token: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: DEV_CONTEXT,
        cluster: { server, 'certificate-authority-data': readFileSync(caCertPath).toString('base64') },
      },
    ],
    users: [{ name: 'kompox-admin', user: { token } }],
    contexts: [
      { name: DEV_CONTEXT, context: { cluster: DEV_CONTEXT, user: 'kompox-admin', namespace: 'default' } },
    ],
    'current-context': DEV_CONTEXT,
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
