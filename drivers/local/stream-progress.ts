// Progress of the local driver's long streams (archiving a disk into a snapshot, extracting one
// into a disk): a callback per chunk, so the caller can heartbeat while a whole disk streams, and
// an optional slowdown per MiB that stands in for a slow cloud disk (LOCAL_LATENCY_MS archiveMiB).
import { type Readable, Transform } from 'node:stream';

export interface StreamProgress {
  /** Bytes streamed so far. */
  bytes: number;
}

export interface StreamOptions {
  onProgress?: (progress: StreamProgress) => void;
  /** Extra milliseconds per MiB streamed. */
  msPerMiB?: number;
}

const MiB = 1024 * 1024;

/** A pass-through that counts bytes, reports them after each chunk and paces them when asked. */
export function progressTap(options: StreamOptions): Transform {
  let bytes = 0;
  const msPerMiB = options.msPerMiB ?? 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      options.onProgress?.({ bytes });
      if (msPerMiB <= 0) return done(null, chunk);
      setTimeout(() => done(null, chunk), (chunk.length / MiB) * msPerMiB);
    },
  });
}

/** `source` through a progressTap; an error of `source` ends the tapped stream with that error. */
export function tapped(source: Readable, options: StreamOptions): Transform {
  const tap = progressTap(options);
  source.on('error', (err) => tap.destroy(err));
  return source.pipe(tap);
}
