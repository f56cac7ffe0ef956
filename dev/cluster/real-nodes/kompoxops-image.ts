// The Kompox image a real node can run: scripts/kompoxops-image.sh builds it from this checkout's
// build output (the Dockerfile's layout, without Docker) into a cache keyed by that output. It is
// large and changes with the code, so no node imports it at boot: a test that runs the worker in
// a pod imports it into the nodes it uses (importImageIntoRealNode).
import { existsSync } from 'node:fs';
import { repoScript, runToolScript } from '../binaries';

/** The image's name, fully qualified as containerd's CRI looks it up (images/README.md). */
export const DEV_KOMPOXOPS_IMAGE = 'kompox.dev/kompoxops:dev';

/** Builds the image unless cached (run after `make build`) and returns its docker-archive tar. */
export async function ensureKompoxopsImage(onOutput?: (chunk: string) => void): Promise<string> {
  const script = repoScript('kompoxops-image.sh');
  if (!script) throw new Error('scripts/kompoxops-image.sh not found: run Kompox from its repository');
  const tar = await runToolScript(script, onOutput);
  if (!existsSync(tar)) throw new Error(`scripts/kompoxops-image.sh printed ${tar}, which does not exist`);
  return tar;
}
