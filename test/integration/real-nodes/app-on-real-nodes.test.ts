// Kompox's operations where only a real kubelet can show they are right: the app runs in a real
// container on a real node, mounts its disk and writes its own data there; its compose healthcheck
// gates readiness; a hook snapshot runs its commands inside the container; a stop snapshot really
// stops the app's process and starts it again; and a restore brings back, byte for byte, the file
// the app itself wrote, on a new disk the new pod mounts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { AppStatus } from '../../../cli/commands/app';
import type { OperationRecord } from '../../../api/operation';
import { journalProject, kompoxops } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { journalApp } from '../../helpers/journal-app';
import { kubeConfigOf } from '../../helpers/kube-app';
import { setWikiSnapshots } from '../../helpers/snapshots';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

void describe('an app on real nodes', () => {
  let stack: TestStack;
  let kc: KubeConfig;
  const project = journalProject(`journal${process.pid}`);
  /** The hook snapshot, holding the payload the app wrote on its first start. */
  let hookSnapshot = '';
  let payload = '';

  before(async () => {
    stack = await startTestStack({ realNodes: 2 });
    kc = kubeConfigOf(stack.kubeconfig);
  });
  after(async () => {
    await stack?.stop();
    rmSync(project.dir, { recursive: true, force: true });
  });

  const { json, dataDisk, readyStatus, inPod } = journalApp(
    () => stack,
    () => kc,
    project,
  );

  const pod = async (s: AppStatus): Promise<V1Pod> =>
    kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace: s.namespace, name: s.pod! });

  void it('deploys onto a real node of its zone, Ready only once healthy, and the app writes its disk', async () => {
    const deployed = await json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
    const s = await readyStatus();
    assert.equal(s.node, 'real-local-1a-1');
    assert.equal(s.zone, 'local-1a');

    // The healthcheck (test -f /tmp/healthy, created 3 s after start) held readiness back.
    const p = await pod(s);
    const started = Date.parse(String(p.status?.containerStatuses?.[0]?.state?.running?.startedAt));
    const ready = Date.parse(
      String(p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime),
    );
    assert.ok(ready - started >= 2000, `Ready ${ready - started} ms after the container started`);
    assert.ok(Date.parse(deployed.endedAt!) >= ready, 'the deploy completed before the pod was Ready');

    // What the app wrote is on the disk, and the pod reads the same bytes.
    const disk = await dataDisk();
    const bytes = readFileSync(join(disk.handle, 'payload.bin'));
    assert.equal(bytes.length, 262144);
    payload = sha256(bytes);
    assert.equal(readFileSync(join(disk.handle, 'boots.log'), 'utf8'), 'boot\n');
    assert.equal((await inPod(s, 'sha256sum /data/payload.bin')).split(' ')[0], payload);
  });

  void it('runs a hook snapshot’s commands inside the container, around the snapshot', async () => {
    const snap = await json<OperationRecord>('snapshot', 'create');
    assert.equal(snap.phase, 'Completed', JSON.stringify(snap.failure));
    hookSnapshot = String(snap.figures?.['volume.data']);
    const disk = await dataDisk();
    assert.equal(readFileSync(join(disk.handle, 'boots.log'), 'utf8'), 'boot\npre\npost\n');
    const preAt = Number(readFileSync(join(disk.handle, 'hook-pre'), 'utf8')) * 1000;
    assert.ok(preAt >= Date.parse(snap.requestedAt) - 1000, 'hook-pre is older than the operation');
  });

  void it('stops the app’s process for a stop snapshot and starts it again', async () => {
    setWikiSnapshots(project, ['consistency: stop']);
    const before = await readyStatus();
    const snap = await json<OperationRecord>('snapshot', 'create');
    assert.equal(snap.phase, 'Completed', JSON.stringify(snap.failure));
    const after = await readyStatus();
    assert.notEqual(after.pod, before.pod, 'the same pod still runs');
    const disk = await dataDisk();
    // SIGTERM reached the app (it wrote "stop"), then a new container booted on the same disk.
    assert.equal(readFileSync(join(disk.handle, 'boots.log'), 'utf8'), 'boot\npre\npost\nstop\nboot\n');
    assert.equal(after.node?.startsWith('real-'), true);
  });

  void it('fails a deploy whose image exists nowhere here, naming the image and the pull error', async () => {
    const other = journalProject(`nopull${process.pid}`, 'local-1b');
    try {
      const compose = join(other.dir, 'compose.yml');
      writeFileSync(
        compose,
        readFileSync(compose, 'utf8').replace('image: busybox:1.36', 'image: ghcr.io/acme/not-here:1'),
      );
      const r = await kompoxops(
        stack,
        other.dir,
        'app',
        'deploy',
        '--bootstrap-disks',
        '--timeout',
        '20',
        '-o',
        'json',
      );
      assert.notEqual(r.status, 0, r.stdout);
      const op = JSON.parse(r.stdout) as OperationRecord;
      assert.equal(op.phase, 'Failed');
      assert.equal(op.failure?.reason, 'RolloutFailed', JSON.stringify(op.failure));
      assert.match(
        op.failure?.message ?? '',
        /container journal (ErrImagePull|ImagePullBackOff): .*ghcr\.io\/acme\/not-here:1/,
      );
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });

  void it('restores the file the app wrote, byte for byte, on a new disk the new pod mounts', async () => {
    assert.ok(hookSnapshot, 'the hook snapshot test did not run');
    const s = await readyStatus();
    const old = await dataDisk();
    await inPod(s, 'head -c 1000 /dev/urandom > /data/payload.bin; sync');
    assert.equal(statSync(join(old.handle, 'payload.bin')).size, 1000);

    const restored = await json<OperationRecord>('snapshot', 'restore', '-V', 'data', '-N', hookSnapshot);
    assert.equal(restored.phase, 'Completed', JSON.stringify(restored.failure));
    const fresh = await dataDisk();
    assert.notEqual(fresh.name, old.name);
    assert.equal(sha256(readFileSync(join(fresh.handle, 'payload.bin'))), payload);
    const after = await readyStatus();
    assert.equal((await inPod(after, 'sha256sum /data/payload.bin')).split(' ')[0], payload);
    // The app found its data and did not write a new payload; the log is the snapshot's plus one boot.
    assert.equal(readFileSync(join(fresh.handle, 'boots.log'), 'utf8'), 'boot\npre\nboot\n');
  });
});
