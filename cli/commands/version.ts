// `kompoxops version`
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../workers/repo-root';
import { outputFormat, print } from '../output';

export function versionCommand(program: Command): void {
  program
    .command('version')
    .description('print the version')
    .option('-o, --output <format>', 'table, json or yaml')
    .action((opts: { output?: string }) => {
      const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
      const info = { version: pkg.version, node: process.version };
      print(outputFormat(opts.output), info, (i) => `kompoxops ${i.version} (node ${i.node})`);
    });
}
