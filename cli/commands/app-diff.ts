// `kompoxops app diff`: the local project against the revision the controller deployed, in
// kubectl diff's habit: unified diffs of the files and of the rendered objects (both rendered by
// the worker on the app's disks), Secret values and secret files shown only as changed, exit 0
// when nothing differs and 1 when something does.
import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { relative } from 'node:path';
import { type AppRevision, shortDigest } from '../../api/app-revision';
import { appControllerWorkflowId } from '../../api/ids';
import { deployedRevisionQuery } from '../../api/messages';
import { localBaseDir, referencedFiles } from '../../kom';
import { buildRevision } from '../app-revision';
import { readThroughWorker } from '../app-read';
import { isControllerMissing } from '../controller-errors';
import { CliError, EXIT } from '../exit-codes';
import { outputFormat, print } from '../output';
import { type GlobalOptions, appTargetOf, loadAppContext } from '../project';
import { connectClient } from '../temporal';
import { canonicalJson } from '../app-revision';

interface FileChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  /** Env files and secret files: their content is never printed. */
  secret: boolean;
}

export interface AppDiff {
  appKey: string;
  deployed: string;
  local: string;
  files: FileChange[];
  modelChanged: boolean;
  objectsChanged: boolean;
  /** The unified diff, as printed. */
  diff: string;
}

/** The revision's files by path relative to the app's directory, and which of them are secret. */
function filesOf(revision: AppRevision): Map<string, { content: string; secret: boolean }> {
  const base = localBaseDir(revision.context.refBase) ?? '/';
  const secret = new Set(
    referencedFiles(revision.context)
      .filter((f) => f.what.startsWith('env_file') || f.what.startsWith('secret'))
      .map((f) => f.absolutePath),
  );
  return new Map(
    Object.entries(revision.files).map(([abs, b64]) => [
      relative(base, abs),
      { content: Buffer.from(b64, 'base64').toString('utf8'), secret: secret.has(abs) },
    ]),
  );
}

/** The model without where it was loaded from, so a project moved elsewhere compares equal. */
function modelText(revision: AppRevision): string {
  const base = localBaseDir(revision.context.refBase) ?? '';
  const text = JSON.stringify(JSON.parse(canonicalJson(revision.context)), null, 2);
  return base ? text.split(base).join('<app>/') : text;
}

export function appDiffCommand(app: Command, globals: () => GlobalOptions): void {
  app
    .command('diff')
    .description(
      'show what deploying the local project would change against the deployed revision (exit 1 when it differs)',
    )
    .option('-o, --output <format>', 'table (a unified diff), json or yaml')
    .action(async (opts: { output?: string }) => {
      const format = outputFormat(opts.output);
      const context = loadAppContext(globals());
      const target = appTargetOf(context);
      const local = buildRevision(context);
      const { client, close } = await connectClient(globals());
      let deployed;
      try {
        deployed = await client.workflow
          .getHandle(appControllerWorkflowId(target.appKey))
          .query(deployedRevisionQuery)
          .catch((err: unknown) => {
            if (isControllerMissing(err)) return null;
            throw err;
          });
      } finally {
        await close();
      }
      if (!deployed)
        throw new CliError(
          `${target.appKey} has no deployed revision to compare with (kompoxops app deploy)`,
          EXIT.failed,
        );

      const parts: string[] = [];
      const files: FileChange[] = [];
      const before = filesOf(deployed.revision);
      const after = filesOf(local);
      for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const a = before.get(path);
        const b = after.get(path);
        if (a?.content === b?.content) continue;
        const secret = Boolean(a?.secret || b?.secret);
        files.push({ path, change: !a ? 'added' : !b ? 'removed' : 'changed', secret });
        parts.push(
          secret
            ? `--- deployed/${path}\n+++ local/${path}\n# secret content differs (not shown)\n`
            : createTwoFilesPatch(`deployed/${path}`, `local/${path}`, a?.content ?? '', b?.content ?? ''),
        );
      }
      const modelBefore = modelText(deployed.revision);
      const modelAfter = modelText(local);
      const modelChanged = modelBefore !== modelAfter;
      if (modelChanged)
        parts.push(
          createTwoFilesPatch('deployed/app-model.json', 'local/app-model.json', modelBefore, modelAfter),
        );
      const { rendered } = await readThroughWorker(globals(), { target, render: [deployed.revision, local] });
      const [objectsBefore = '', objectsAfter = ''] = rendered ?? [];
      const objectsChanged = objectsBefore !== objectsAfter;
      if (objectsChanged)
        parts.push(
          createTwoFilesPatch('deployed/objects.yaml', 'local/objects.yaml', objectsBefore, objectsAfter),
        );

      const result: AppDiff = {
        appKey: target.appKey,
        deployed: deployed.revision.digest,
        local: local.digest,
        files,
        modelChanged,
        objectsChanged,
        diff: parts.join(''),
      };
      const header = `# ${target.appKey}: deployed ${shortDigest(result.deployed)}, local ${shortDigest(result.local)}\n`;
      print(format, result, (r) => (r.diff ? header + r.diff : `${header}# no differences`));
      if (files.length || modelChanged || objectsChanged) process.exitCode = EXIT.failed;
    });
}
