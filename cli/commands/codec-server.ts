// `kompoxops codec-server`: serves Temporal's remote codec protocol with this machine's codec
// keys, so `temporal --codec-endpoint` and the Web UI show decoded payloads; and
// `--generate-key` prints a new key for KOMPOX_CODEC_KEY. The server and crypto load lazily.
import type { Command } from 'commander';
import { devDir } from '../../dev/dev-dir';
import { CliError, EXIT, usageError } from '../exit-codes';

const TOKEN_ENV = 'KOMPOX_CODEC_SERVER_TOKEN';

interface Options {
  listen: string;
  corsOrigin: string[];
  generateKey?: string | true;
}

export function codecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description(
      `decode payloads for the Temporal CLI and Web UI (loopback only, unless ${TOKEN_ENV} sets a bearer token)`,
    )
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8888')
    .option(
      '--cors-origin <url>',
      'Web UI origin allowed to call from a browser (repeatable), e.g. http://127.0.0.1:8233',
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .option('--generate-key [id]', 'print a new codec key (id:base64) for KOMPOX_CODEC_KEY and exit')
    .action(async (opts: Options) => {
      if (opts.generateKey !== undefined) {
        const { generateCodecKey } = await import('../../client/codec/generate-key');
        const { KEY_ID_PATTERN, formatKey } = await import('../../client/codec/key-ring');
        const id = opts.generateKey === true ? undefined : opts.generateKey;
        if (id !== undefined && !KEY_ID_PATTERN.test(id))
          throw usageError(`--generate-key ${id}: a key id is 1-64 letters, digits, ".", "_" or "-"`);
        process.stdout.write(`${formatKey(generateCodecKey(id))}\n`);
        return;
      }
      const { isLoopback, parseListen, startCodecServer } = await import('../../client/codec/codec-server');
      const listen = parseListen(opts.listen);
      if (!listen) throw usageError(`--listen ${opts.listen}: expected host:port, e.g. 127.0.0.1:8888`);
      const token = process.env[TOKEN_ENV] || undefined;
      if (!token && !isLoopback(listen.host)) {
        throw usageError(
          `--listen ${opts.listen}: anyone reaching it could decrypt payloads; listen on loopback (127.0.0.1) or set ${TOKEN_ENV} to require a bearer token`,
        );
      }
      for (const o of opts.corsOrigin) {
        if (!/^https?:\/\/[^/]+$/.test(o))
          throw usageError(`--cors-origin ${o}: an origin is scheme://host[:port], without a path`);
      }
      const { loadDataConverter } = await import('../../client/codec/data-converter');
      const { CodecKeyError } = await import('../../client/codec/key-ring');
      let codec;
      try {
        codec = loadDataConverter({ devDir: devDir() }).payloadCodecs![0]!;
      } catch (err) {
        if (err instanceof CodecKeyError) throw usageError(err.message);
        throw err;
      }
      let server;
      try {
        server = await startCodecServer({
          ...listen,
          codec,
          corsOrigins: opts.corsOrigin,
          ...(token ? { token } : {}),
        });
      } catch (err) {
        throw new CliError(`cannot listen on ${opts.listen}: ${(err as Error).message}`, EXIT.failed);
      }
      process.stderr.write(`codec server at ${server.url} (POST /encode, /decode)\n`);
      await new Promise<void>((resolve) => {
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
      });
      await server.close();
    });
}
