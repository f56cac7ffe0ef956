import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { extractArchive, fileSha256, writeArchive } from '../../../drivers/local/snapshot-archive';
import { useTempDir } from './fixtures';

void describe('snapshot archive', () => {
  const dir = useTempDir();

  async function archiveOf(bytes: Buffer): Promise<{ path: string; sha: string }> {
    const path = join(dir.path, `a-${Math.random()}.gz`);
    await fs.writeFile(path, bytes);
    return { path, sha: await fileSha256(path) };
  }

  function record(header: object, content = Buffer.alloc(0)): Buffer {
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(json.length);
    return Buffer.concat([len, json, content]);
  }

  void it('round-trips an empty tree and a large file', async () => {
    const src = join(dir.path, 'src');
    await fs.mkdir(src);
    const empty = await writeArchive(src, join(dir.path, 'empty.gz'));
    assert.equal(empty.entries, 0);
    await fs.mkdir(join(dir.path, 'out0'));
    assert.deepEqual(await extractArchive(join(dir.path, 'empty.gz'), join(dir.path, 'out0'), empty.sha256), {
      entries: 0,
      dataBytes: 0,
    });

    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    await fs.writeFile(join(src, 'big.bin'), big);
    const summary = await writeArchive(src, join(dir.path, 'big.gz'));
    assert.equal(summary.dataBytes, big.length);
    assert.equal(summary.sha256, await fileSha256(join(dir.path, 'big.gz')));
    await fs.mkdir(join(dir.path, 'out1'));
    await extractArchive(join(dir.path, 'big.gz'), join(dir.path, 'out1'), summary.sha256);
    assert.ok((await fs.readFile(join(dir.path, 'out1', 'big.bin'))).equals(big));
  });

  void it('rejects a checksum mismatch before extracting anything', async () => {
    const src = join(dir.path, 'src');
    await fs.mkdir(src);
    await fs.writeFile(join(src, 'f'), 'x');
    await writeArchive(src, join(dir.path, 'a.gz'));
    await fs.mkdir(join(dir.path, 'out'));
    await assert.rejects(extractArchive(join(dir.path, 'a.gz'), join(dir.path, 'out'), '0'.repeat(64)), {
      code: 'Corrupted',
    });
    assert.deepEqual(await fs.readdir(join(dir.path, 'out')), []);
  });

  void it('rejects truncated, escaping and foreign archives even with a matching checksum', async () => {
    const magic = Buffer.from('KPXA1\n');
    const cases: Array<[string, Buffer]> = [
      [
        'no end marker',
        gzipSync(Buffer.concat([magic, record({ p: 'f', t: 'f', m: 0o644, s: 1 }, Buffer.from('x'))])),
      ],
      [
        'parent escape',
        gzipSync(Buffer.concat([magic, record({ p: '../evil', t: 'd', m: 0o755 }), Buffer.alloc(4)])),
      ],
      [
        'absolute path',
        gzipSync(Buffer.concat([magic, record({ p: '/etc/x', t: 'd', m: 0o755 }), Buffer.alloc(4)])),
      ],
      [
        'through symlink',
        gzipSync(
          Buffer.concat([
            magic,
            record({ p: 'l', t: 'l', m: 0o777, l: '/tmp' }),
            record({ p: 'l/x', t: 'f', m: 0o644, s: 0 }),
            Buffer.alloc(4),
          ]),
        ),
      ],
      ['not ours', gzipSync(Buffer.from('PK\x03\x04 something else'))],
      ['not gzip', Buffer.from('plain text, no gzip at all')],
      ['trailing data', gzipSync(Buffer.concat([magic, Buffer.alloc(4), Buffer.from('extra')]))],
    ];
    for (const [what, bytes] of cases) {
      const { path, sha } = await archiveOf(bytes);
      const out = join(dir.path, `out-${what.replace(/ /g, '-')}`);
      await fs.mkdir(out);
      await assert.rejects(extractArchive(path, out, sha), { code: 'Corrupted' }, what);
    }
  });
  void it('streams with progress at the paced speed: archive, then checksum and extract', async () => {
    const src = join(dir.path, 'paced');
    await fs.mkdir(src);
    await fs.writeFile(join(src, 'data.bin'), Buffer.alloc(2 * 1024 * 1024, 7));
    const seen: number[] = [];
    const onProgress = (p: { bytes: number }) => seen.push(p.bytes);
    const started = Date.now();
    const summary = await writeArchive(src, join(dir.path, 'paced.gz'), { onProgress, msPerMiB: 400 });
    assert.ok(Date.now() - started >= 750, `2 MiB at 400 ms/MiB took ${Date.now() - started} ms`);
    assert.ok(seen.length >= 2, `progress reported ${seen.length} times`);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
      'progress never goes back',
    );
    assert.ok(seen.at(-1)! > 2 * 1024 * 1024, 'progress covers the whole disk');

    seen.length = 0;
    const out = join(dir.path, 'paced-out');
    await fs.mkdir(out);
    await extractArchive(join(dir.path, 'paced.gz'), out, summary.sha256, { onProgress, msPerMiB: 400 });
    assert.ok(seen.at(-1)! > 2 * 1024 * 1024, 'extract progress covers the whole disk');
    assert.deepEqual(await fs.readFile(join(out, 'data.bin')), Buffer.alloc(2 * 1024 * 1024, 7));
  });

  void it('a missing archive fails the checksum with ENOENT instead of hanging', async () => {
    await assert.rejects(fileSha256(join(dir.path, 'nope.gz'), { onProgress: () => undefined }), {
      code: 'ENOENT',
    });
  });
});
