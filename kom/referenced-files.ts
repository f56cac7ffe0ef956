// Every local file an app references: its compose file, env files, `file:` configs and secrets
// (single-file binds among them) and the files a directory bind copies onto its volume. An app revision carries exactly these, so the worker never reads the CLI's disk.
import type { AppContext } from './model/project';

export interface ReferencedFile {
  /** What the file is, for messages: `compose file`, `env_file of web`, `secret db-pass`. */
  what: string;
  absolutePath: string;
  /** A missing optional file (env_file `required: false`) is simply left out. */
  required: boolean;
}

export function referencedFiles(context: AppContext): ReferencedFile[] {
  const files = new Map<string, ReferencedFile>();
  const add = (file: ReferencedFile) => {
    const known = files.get(file.absolutePath);
    if (!known || (file.required && !known.required)) files.set(file.absolutePath, file);
  };
  if (context.composeFile) add({ what: 'compose file', absolutePath: context.composeFile, required: true });
  for (const service of context.compose.services) {
    for (const ref of service.envFiles)
      add({ what: `env_file of ${service.name}`, absolutePath: ref.absolutePath, required: ref.required });
    for (const mount of service.volumeMounts)
      for (const file of mount.seed?.files ?? [])
        add({
          what: `file copied to ${mount.mountPath} of ${service.name}`,
          absolutePath: file.absolutePath,
          required: true,
        });
  }
  for (const [kind, objects] of [
    ['config', context.compose.configs],
    ['secret', context.compose.secrets],
  ] as const) {
    for (const object of objects) {
      if (object.source.kind === 'file')
        add({ what: `${kind} ${object.name}`, absolutePath: object.source.absolutePath, required: true });
    }
  }
  return [...files.values()];
}
