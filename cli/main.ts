// kompoxops: a thin CLI that starts and queries Kompox workflows.
import { Command, CommanderError } from 'commander';
import { appCommand } from './commands/app';
import { codecServerCommand } from './commands/codec-server';
import { devCommand } from './commands/dev';
import { diskCommand } from './commands/disk';
import { opCommand } from './commands/op';
import { scheduleCommand } from './commands/schedule';
import { snapshotCommand } from './commands/snapshot';
import { validateCommand } from './commands/validate';
import { versionCommand } from './commands/version';
import { workerCommand } from './commands/worker';
import { CliError, EXIT } from './exit-codes';
import type { GlobalOptions } from './project';

function buildProgram(): Command {
  const program = new Command('kompoxops')
    .description('Run stateful Docker Compose apps on Kubernetes with durable disk operations')
    .option('-C, --chdir <dir>', 'run as if started in <dir>')
    .option('--kompox-root <dir>', 'project root (default: the nearest parent with .kompox/)')
    .option('--kompox-dir <dir>', 'Kompox directory (default: $KOMPOX_ROOT/.kompox)')
    .option(
      '--kom-path <path>',
      'KOM file or directory to load (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--kom-app <file>', 'Kompox app file (default: ./kompoxapp.yml)')
    .option('-A, --app-id <id>', 'App Resource ID, e.g. /ws/acme/prv/local/cls/dev/app/wiki')
    .option('--app-name <name>', 'App name (must be unique)')
    .option(
      '--profile <name>',
      'compose profile to enable (repeatable; default: $COMPOSE_PROFILES); services with no profile always run',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--temporal-address <host:port>',
      'Temporal frontend (default: $TEMPORAL_ADDRESS, else the dev stack)',
    )
    .option('--namespace <ns>', 'Temporal namespace', 'default')
    .showHelpAfterError()
    .exitOverride();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  program.hook('preAction', () => {
    const dir = globals().chdir;
    if (dir) {
      try {
        process.chdir(dir);
      } catch {
        throw new CliError(`-C ${dir}: no such directory`, EXIT.usage);
      }
    }
  });
  devCommand(program);
  validateCommand(program, globals);
  appCommand(program, globals);
  diskCommand(program, globals);
  snapshotCommand(program, globals);
  scheduleCommand(program, globals);
  opCommand(program, globals);
  workerCommand(program, globals);
  codecServerCommand(program);
  versionCommand(program);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError();
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; everything else commander reports is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.failed;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(EXIT.failed);
  },
);
