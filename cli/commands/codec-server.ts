// `kompoxops codec-server`: serves Temporal's remote codec protocol with this machine's codec
// keys, so `temporal --codec-endpoint` and the Web UI show decoded payloads; and
// `--generate-key` prints a new key for KOMPOX_CODEC_KEY. The server and crypto load lazily.
// With --tls-cert/--tls-key it serves HTTPS; with --tls-ca as well, only to callers holding a
// client certificate that CA issued (mTLS), which is enough authentication off loopback.
import type { Command } from 'commander';
import { devDir } from '../../dev/dev-dir';
import { CliError, EXIT, usageError } from '../exit-codes';
import type { GlobalOptions } from '../project';

const TOKEN_ENV = 'KOMPOX_CODEC_SERVER_TOKEN';

interface Options {
  listen: string;
  corsOrigin: string[];
  generateKey?: string | true;
}

export function codecServerCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('codec-server')
    .description(
      `decode payloads for the Temporal CLI and Web UI (loopback only, unless ${TOKEN_ENV} sets a bearer token or --tls-ca requires client certificates)`,
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
      const tls = await servingTls(globals());
      if (!token && !tls?.ca && !isLoopback(listen.host)) {
        throw usageError(
          `--listen ${opts.listen}: anyone reaching it could decrypt payloads; listen on loopback (127.0.0.1), set ${TOKEN_ENV} to require a bearer token, or give --tls-ca to require client certificates`,
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
          ...(tls ? { tls } : {}),
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

/** The certificate to serve HTTPS with (flags only: TEMPORAL_TLS_* name a client's identity). */
async function servingTls(g: GlobalOptions): Promise<{ cert: Buffer; key: Buffer; ca?: Buffer } | undefined> {
  const cert = g.tlsCert ?? g.tlsCertPath;
  const key = g.tlsKey ?? g.tlsKeyPath;
  const ca = g.tlsCa ?? g.tlsCaPath;
  if (!cert && !key && !ca) return undefined;
  if (!cert || !key)
    throw usageError(
      cert
        ? "--tls-cert is set but not --tls-key: the codec server needs the certificate's private key to serve HTTPS"
        : key
          ? '--tls-key is set but not --tls-cert: give the certificate to serve HTTPS with'
          : '--tls-ca (require client certificates) needs HTTPS: give --tls-cert and --tls-key too',
    );
  const { TemporalSecurityError, readPemFile } = await import('../../client/temporal-connection');
  try {
    return {
      cert: readPemFile(cert, '--tls-cert', 'server certificate'),
      key: readPemFile(key, '--tls-key', 'server key'),
      ...(ca ? { ca: readPemFile(ca, '--tls-ca', 'client CA certificate') } : {}),
    };
  } catch (err) {
    if (err instanceof TemporalSecurityError) throw usageError(err.message);
    throw err;
  }
}
