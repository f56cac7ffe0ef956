// kompoxops: a thin CLI that starts and queries Kompox workflows.
import './compile-cache';
import { Command, CommanderError, Option } from 'commander';
import { COMMANDS } from './command-index';
import { CliError, EXIT } from './exit-codes';
import type { GlobalOptions } from './project';

/** Global options that take a value, so the word after them is not the command. */
const VALUE_OPTIONS = new Set([
  '-C',
  '--chdir',
  '--kompox-root',
  '--kompox-dir',
  '--kom-path',
  '--kom-app',
  '-A',
  '--app-id',
  '--app-name',
  '--profile',
  '--temporal-address',
  '--namespace',
  '--tls-cert',
  '--tls-cert-path',
  '--tls-key',
  '--tls-key-path',
  '--tls-ca',
  '--tls-ca-path',
  '--tls-server-name',
  '--api-key',
  '--api-key-file',
]);

/** The command named on the command line, if it is one of ours. */
function commandOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    // `kompoxops help app` is `kompoxops app --help`.
    if (arg === 'help' && i + 1 < args.length) continue;
    if (!arg.startsWith('-')) return Object.hasOwn(COMMANDS, arg) ? arg : undefined;
    if (VALUE_OPTIONS.has(arg)) i++;
  }
  return undefined;
}

async function buildProgram(args: string[]): Promise<Command> {
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
    .option(
      '--tls-cert <path>',
      'client certificate (PEM) for mTLS to Temporal (default: $TEMPORAL_TLS_CERT)',
    )
    .option('--tls-key <path>', "the client certificate's private key (default: $TEMPORAL_TLS_KEY)")
    .option(
      '--tls-ca <path>',
      "CA certificate that issued Temporal's server certificate (default: $TEMPORAL_TLS_CA)",
    )
    .option(
      '--tls-server-name <name>',
      "name Temporal's certificate is issued for (default: $TEMPORAL_TLS_SERVER_NAME)",
    )
    .option(
      '--api-key <key>',
      'API key or JWT for Temporal (prefer $TEMPORAL_API_KEY or --api-key-file: `ps` shows command lines)',
    )
    .option('--api-key-file <path>', 'file holding the API key for Temporal')
    // The Temporal CLI's spellings of the same options.
    .addOption(new Option('--tls-cert-path <path>').hideHelp())
    .addOption(new Option('--tls-key-path <path>').hideHelp())
    .addOption(new Option('--tls-ca-path <path>').hideHelp())
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
  const named = commandOf(args);
  // The named command's module only; for help and unknown commands, the summaries alone.
  for (const [name, { summary, register }] of Object.entries(COMMANDS)) {
    if (name === named) await register(program, globals);
    else if (named === undefined) program.command(name).description(summary);
  }
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError();
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv.slice(2))).parseAsync(argv);
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
