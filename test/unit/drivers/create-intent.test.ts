// Intent before side effect: a retried create waits a bounded time for what an earlier attempt may
// have made before it creates again, and records its own intent before the call. Time is simulated.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CreateIntent, findOrCreate, resumeIntent } from '../../../drivers/create-intent';

/** A cloud whose list shows a created resource only `lagMs` after the create. */
function laggingCloud(lagMs: number) {
  let clock = 1_000_000;
  const created: { id: string; visibleAt: number }[] = [];
  const recorded: CreateIntent[] = [];
  return {
    created,
    recorded,
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
    createAt(at: number) {
      created.push({ id: `snap-${created.length + 1}`, visibleAt: at + lagMs });
    },
    find: async () => created.find((c) => c.visibleAt <= clock)?.id,
    create: async () => {
      created.push({ id: `snap-${created.length + 1}`, visibleAt: clock + lagMs });
      return `snap-${created.length}`;
    },
    log(previous: CreateIntent | undefined, retried: boolean) {
      return { previous, retried, record: (i: CreateIntent) => void recorded.push(i) };
    },
  };
}

/** findOrCreate of key k1 in region r on `cloud`, with a 10 s consistency window. */
function run(
  cloud: ReturnType<typeof laggingCloud>,
  previous: CreateIntent | undefined,
  retried: boolean,
  create: () => Promise<string> = cloud.create,
): Promise<string> {
  return findOrCreate({
    kind: 'createSnapshot',
    operationKey: 'k1',
    region: 'r',
    intents: cloud.log(previous, retried),
    find: cloud.find,
    create,
    consistencyWindowMs: 10_000,
    now: cloud.now,
    sleep: cloud.sleep,
  });
}

void describe('findOrCreate', () => {
  void it('creates once on a first attempt and records the intent before the call', async () => {
    const cloud = laggingCloud(0);
    const id = await run(cloud, undefined, false, async () => {
      assert.equal(cloud.recorded.length, 1, 'intent recorded before the cloud call');
      return cloud.create();
    });
    assert.equal(id, 'snap-1');
    assert.deepEqual(
      cloud.recorded.map((i) => [i.intent, i.operationKey, i.region]),
      [['createSnapshot', 'k1', 'r']],
    );
  });

  void it('after a retry with an intent, finds the resource that only shows up later instead of creating a second', async () => {
    const cloud = laggingCloud(4_000);
    // The earlier attempt recorded its intent and created, then its worker died.
    const intent: CreateIntent = {
      intent: 'createSnapshot',
      operationKey: 'k1',
      region: 'r',
      at: new Date(cloud.now()).toISOString(),
    };
    cloud.createAt(cloud.now());
    const id = await run(cloud, intent, true);
    assert.equal(id, 'snap-1');
    assert.equal(cloud.created.length, 1);
  });

  void it('a retry whose intent heartbeat was lost still waits a whole window before creating', async () => {
    const cloud = laggingCloud(8_000);
    cloud.createAt(cloud.now());
    const start = cloud.now();
    const id = await run(cloud, undefined, true);
    assert.equal(id, 'snap-1');
    assert.equal(cloud.created.length, 1);
    assert.ok(cloud.now() - start >= 8_000);
  });

  void it('creates again once the window has passed with nothing found (the earlier call never reached the cloud)', async () => {
    const cloud = laggingCloud(0);
    const start = cloud.now();
    const intent: CreateIntent = {
      intent: 'createSnapshot',
      operationKey: 'k1',
      region: 'r',
      at: new Date(start - 3_000).toISOString(),
    };
    const id = await run(cloud, intent, true);
    assert.equal(id, 'snap-1');
    // The wait counts from the recorded intent, not from the retry.
    assert.equal(cloud.now() - start, 7_000);
    assert.equal(cloud.recorded.length, 1);
  });

  void it('an intent of another operation key does not count as this one', async () => {
    const cloud = laggingCloud(0);
    const start = cloud.now();
    const other: CreateIntent = {
      intent: 'createSnapshot',
      operationKey: 'other',
      region: 'r',
      at: new Date(start).toISOString(),
    };
    await run(cloud, other, false);
    assert.equal(cloud.now(), start, 'no wait');
  });
});

void describe('resumeIntent', () => {
  const intent: CreateIntent = {
    intent: 'copySnapshot',
    operationKey: 'k',
    region: 'r',
    at: '2026-12-02T10:00:00.000Z',
  };
  void it('finds an intent in the shapes heartbeat details come in, and only of the asked kind', () => {
    assert.deepEqual(resumeIntent(intent, 'copySnapshot'), intent);
    assert.deepEqual(resumeIntent([intent], 'copySnapshot'), intent);
    assert.deepEqual(resumeIntent({ a: intent }, 'copySnapshot'), intent);
    assert.equal(resumeIntent(intent, 'createSnapshot'), undefined);
    assert.equal(resumeIntent({ ...intent, at: 'yesterday' }, 'copySnapshot'), undefined);
    assert.equal(resumeIntent(undefined, 'copySnapshot'), undefined);
  });
});
