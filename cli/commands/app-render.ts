// `kompoxops app render`: the app's Kubernetes objects as YAML, converted here from the local
// files. The worker reads the assigned disks (it holds the cloud credentials; the CLI holds none);
// volumes with no disk yet, or every volume when Kompox cannot be reached, render with
// placeholders, marked as such, so render works before anything exists.
import { convertApp } from '../../kube/convert/convert';
import { localFileValues } from '../../kube/convert/local-values';
import { placeholderDisks } from '../../kube/convert/placeholder-disks';
import { renderYaml } from '../../kube/convert/render-yaml';
import { ConvertError } from '../../kube/convert/types';
import { readThroughWorker } from '../app-read';
import { connectClient } from '../temporal';
import { CliError, EXIT } from '../exit-codes';
import { type GlobalOptions, appTargetOf, loadAppContext } from '../project';

export async function renderApp(globals: GlobalOptions): Promise<void> {
  // The connection's handshake runs while the KOM and compose files load.
  const connecting = connectClient(globals);
  connecting.catch(() => undefined);
  const context = loadAppContext(globals);
  const target = appTargetOf(context);
  const volumes = context.app.volumes.map((v) => v.name);
  const disks = placeholderDisks(context);
  try {
    const read = await readThroughWorker(globals, { target, assignedDisks: { volumes } }, connecting);
    Object.assign(disks, read.assignedDisks);
  } catch (err) {
    if (!(err instanceof CliError && err.exitCode === EXIT.unreachable)) throw err;
    process.stderr.write(
      `warning: the assigned disks could not be read, so every volume renders with a placeholder (${err.message})\n`,
    );
  }
  try {
    const rendered = convertApp({ context, disks, values: localFileValues() });
    for (const w of rendered.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(renderYaml(rendered.objects));
  } catch (err) {
    if (err instanceof ConvertError) throw new CliError(err.message, EXIT.failed);
    throw err;
  }
}
