// `kompoxops validate`: load the KOM and every App's compose all-or-nothing; exit 0 when
// valid, 2 with every problem listed when not. Touches nothing.
import type { Command } from 'commander';
import { type AppContext, KomError, type KomIssue, loadProject, resolveApp } from '../../kom';
import { outputFormat, print } from '../output';
import { type GlobalOptions, printWarnings, projectFlags, withKomErrors } from '../project';

interface ValidateReport {
  valid: true;
  files: string[];
  apps: { id: string; services: string[]; volumes: string[] }[];
  warnings: KomIssue[];
}

export function validateCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('validate')
    .description('check the KOM files and every App compose file; exit 2 if anything is invalid')
    .option('-o, --output <format>', 'table, json or yaml')
    .action((opts: { output?: string }) => {
      const format = outputFormat(opts.output);
      const g = globals();
      const report = withKomErrors((): ValidateReport => {
        const project = loadProject({
          cwd: process.cwd(),
          env: process.env,
          flags: projectFlags(g),
        });
        const selected = g.appId ? project.apps.filter((a) => a.id === g.appId) : project.apps;
        const contexts: AppContext[] = [];
        const errors: KomIssue[] = [];
        const warnings: KomIssue[] = [...project.warnings];
        for (const app of selected) {
          try {
            const ctx = resolveApp(project, app.id, g.profile ? { profiles: g.profile } : {});
            contexts.push(ctx);
            warnings.push(...ctx.warnings);
          } catch (err) {
            if (!(err instanceof KomError)) throw err;
            errors.push(...err.errors);
            warnings.push(...err.warnings);
          }
        }
        if (errors.length) throw new KomError(errors, warnings);
        return {
          valid: true,
          files: project.files,
          apps: contexts.map((c) => ({
            id: c.app.id,
            services: c.compose.services.map((s) => s.name),
            volumes: c.app.volumes.map((v) => v.name),
          })),
          warnings,
        };
      });
      if (format === 'table') printWarnings(report.warnings);
      print(format, report, (r) =>
        [
          `valid: ${r.files.length} KOM file(s), ${r.apps.length} app(s)`,
          ...r.apps.map(
            (a) => `  ${a.id}: services ${a.services.join(', ')}; volumes ${a.volumes.join(', ')}`,
          ),
        ].join('\n'),
      );
    });
}
