// What a real node runs from: kubelet, containerd and ctr built by scripts/real-node-tools.sh, and
// the local images written by scripts/local-images.sh. Both cache their output outside the
// repository, keyed by version, so only the first run on a machine builds anything.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoScript, runToolScript } from '../binaries';

export interface RealNodeTools {
  binDir: string;
  /** Docker-archive tars, one per image. */
  images: string[];
}

const NEEDED = ['kubelet', 'containerd', 'containerd-shim-runc-v2', 'ctr'];

async function run(name: string, onOutput?: (chunk: string) => void): Promise<string> {
  const script = repoScript(name);
  if (!script) throw new Error(`scripts/${name} not found: run Kompox from its repository to use real nodes`);
  return runToolScript(script, onOutput);
}

export async function ensureRealNodeTools(onOutput?: (chunk: string) => void): Promise<RealNodeTools> {
  // Independent builds: run them side by side.
  const [binDir, imagesDir] = await Promise.all([
    run('real-node-tools.sh', onOutput),
    run('local-images.sh', onOutput),
  ]);
  const missing = NEEDED.filter((b) => !existsSync(join(binDir, b)));
  if (missing.length > 0)
    throw new Error(`scripts/real-node-tools.sh finished but ${binDir} lacks ${missing.join(', ')}`);
  const images = readdirSync(imagesDir)
    .filter((f) => f.endsWith('.tar'))
    .map((f) => join(imagesDir, f));
  if (images.length === 0) throw new Error(`scripts/local-images.sh wrote no image into ${imagesDir}`);
  return { binDir, images };
}
