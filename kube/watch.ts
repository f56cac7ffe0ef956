// A watch that survives dropped connections without losing or replaying events.
//
// client-node's Watch is one HTTP stream: it ends when the apiserver's timeout expires, when the
// connection drops, or after 30 s without data. We re-open it from the last resourceVersion seen
// (bookmarks keep that fresh while nothing changes). When that version has been compacted away the
// apiserver answers 410 Gone; then we list again and emit the difference against what we had
// delivered, so the consumer's view still converges without a gap.
import { KubeConfig, KubernetesListObject, KubernetesObject, Watch } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { toKubeError } from './errors';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ResumableWatchOptions<T extends KubernetesObject> {
  /** Collection path, e.g. /api/v1/namespaces/app1/pods or /api/v1/nodes. */
  path: string;
  /** Lists the same collection with the same selectors (used first, and again after 410 Gone). */
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Start streaming from this resourceVersion instead of listing first (e.g. one saved earlier).
   * If it is too old, the 410 leads to a list as usual.
   */
  resourceVersion?: string;
  /**
   * Called for every change. Objects listed at the start arrive as ADDED. Note: listed objects come
   * deserialized by client-node (timestamps as Date), streamed ones as plain JSON (timestamps as strings).
   */
  onEvent: (type: WatchEventType, obj: T) => void;
  /** Called after every (re)list has been applied, with the resourceVersion it was taken at. */
  onSync?: (resourceVersion: string) => void;
  /** Called before each reconnect, with why the previous stream ended. */
  onReconnect?: (info: { reason: string; resourceVersion: string; relist: boolean }) => void;
  /** Server-side lifetime of one stream; below client-node's 30 s idle timeout so quiet streams end cleanly. */
  timeoutSeconds?: number;
  /** Pause before reconnecting after an error (doubles up to 8x while errors repeat). */
  retryDelayMs?: number;
}

export interface ResumableWatch {
  /** Ends the watch; `done` resolves afterwards. */
  stop(): void;
  /** Resolves after stop(); rejects if a callback threw (the watch then stops by itself). */
  readonly done: Promise<void>;
  /** Last resourceVersion delivered (event or bookmark). */
  readonly resourceVersion: string;
  /** Streams opened so far (1 + reconnects) and lists made (1 + relists after 410). */
  readonly stats: { streams: number; lists: number };
}

const keyOf = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

interface StreamEnd {
  gone: boolean;
  reason: string;
  sawEvents: boolean;
}

export function startResumableWatch<T extends KubernetesObject>(
  kc: KubeConfig,
  opts: ResumableWatchOptions<T>,
): ResumableWatch {
  const watch = new Watch(kc);
  const known = new Map<string, T>();
  const stats = { streams: 0, lists: 0 };
  let resourceVersion = opts.resourceVersion ?? '';
  let stopped = false;
  let current: AbortController | undefined;
  const stopSignal = new AbortController();
  let callbackError: unknown;

  const stop = (): void => {
    stopped = true;
    stopSignal.abort();
    current?.abort();
  };

  // client-node's stream parser swallows exceptions thrown by callbacks; end the watch instead.
  const deliver = (type: WatchEventType, obj: T): void => {
    if (stopped) return;
    try {
      opts.onEvent(type, obj);
    } catch (err) {
      callbackError ??= err;
      stop();
    }
  };

  // Replaces our view with a fresh list, emitting only what differs from what was delivered.
  const relist = async (): Promise<void> => {
    const list = await opts.list();
    stats.lists++;
    const seen = new Set<string>();
    for (const obj of list.items) {
      const key = keyOf(obj);
      seen.add(key);
      const before = known.get(key);
      known.set(key, obj);
      if (!before) deliver('ADDED', obj);
      else if (before.metadata?.resourceVersion !== obj.metadata?.resourceVersion) deliver('MODIFIED', obj);
    }
    for (const [key, obj] of known) {
      if (!seen.has(key)) {
        known.delete(key);
        deliver('DELETED', obj);
      }
    }
    resourceVersion = list.metadata?.resourceVersion ?? '';
    opts.onSync?.(resourceVersion);
  };

  const streamOnce = (): Promise<StreamEnd> =>
    new Promise((resolve) => {
      const end: StreamEnd = { gone: false, reason: 'closed by the server', sawEvents: false };
      stats.streams++;
      const query = {
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: opts.timeoutSeconds ?? 20,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
      };
      const onLine = (type: string, obj: unknown): void => {
        if (type === 'ERROR') {
          // The apiserver reports an expired resourceVersion in-stream as a Status with code 410.
          const err = toKubeError(obj);
          if (err.code === 410) end.gone = true;
          end.reason = err.message;
          return;
        }
        const o = obj as T;
        const rv = o.metadata?.resourceVersion;
        if (rv) resourceVersion = rv;
        if (type === 'BOOKMARK') return;
        end.sawEvents = true;
        if (type === 'DELETED') known.delete(keyOf(o));
        else known.set(keyOf(o), o);
        deliver(type as WatchEventType, o);
      };
      const onDone = (err: unknown): void => {
        if (err) {
          const e = toKubeError(err);
          if (e.code === 410) end.gone = true;
          end.reason = e.message;
        }
        resolve(end);
      };
      watch.watch(opts.path, query, onLine, onDone).then(
        (ctrl) => {
          current = ctrl;
          if (stopped) ctrl.abort();
        },
        (err: unknown) => onDone(err ?? new Error('watch failed to start')),
      );
    });

  const run = async (): Promise<void> => {
    let failures = 0;
    const baseDelay = opts.retryDelayMs ?? 500;
    let needList = opts.resourceVersion === undefined;
    while (!stopped) {
      if (needList) {
        try {
          await relist();
          needList = false;
        } catch (err) {
          if (stopped) break;
          failures++;
          opts.onReconnect?.({ reason: toKubeError(err, 'list').message, resourceVersion, relist: true });
          await sleep(baseDelay * Math.min(8, 2 ** (failures - 1)), undefined, {
            signal: stopSignal.signal,
          }).catch(() => undefined);
          continue;
        }
      }
      const end = await streamOnce();
      current = undefined;
      if (stopped) break;
      failures = end.sawEvents || end.reason === 'closed by the server' ? 0 : failures + 1;
      needList = end.gone;
      opts.onReconnect?.({ reason: end.reason, resourceVersion, relist: end.gone });
      if (failures > 0) {
        await sleep(baseDelay * Math.min(8, 2 ** (failures - 1)), undefined, {
          signal: stopSignal.signal,
        }).catch(() => undefined);
      }
    }
  };

  const done = run().then(() => {
    if (callbackError !== undefined) throw callbackError;
  });
  return {
    stop,
    done,
    get resourceVersion() {
      return resourceVersion;
    },
    stats,
  };
}
