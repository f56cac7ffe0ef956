// The dev cluster's CSI plugin, `local.csi.kompox.dev`: what csi-driver-host-path is to Kubernetes'
// own tests, over plain directories (csi-store.ts), so data written through it is real and a
// snapshot/restore round trip can be checked by checksum.
//
//   controller  Identity + Controller on one socket, for the provisioner, attacher and snapshotter
//               sidecars: volumes (empty or from a snapshot), publish/unpublish, snapshots.
//   node        Identity + Node for one real node's kubelet (publish = bind mount), plus the
//               kubelet's plugin registration socket, so no node-driver-registrar is needed.
//
// Run as `node csi-plugin.js controller --endpoint PATH --state DIR --csi-proto FILE` or
// `node csi-plugin.js node --endpoint PATH --state DIR --csi-proto FILE --registration-proto FILE
//  --registration-socket PATH --node-id NAME --zone ZONE`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type * as grpc from '@grpc/grpc-js';
import {
  AlreadyExists,
  CsiStore,
  FailedPrecondition,
  NotFound,
  SnapshotRecord,
  VolumeRecord,
} from './csi-store';

export const CSI_DRIVER_NAME = 'local.csi.kompox.dev';
/** The topology key the plugin reports and provisions by: the nodes' own zone label. */
export const ZONE_KEY = 'topology.kubernetes.io/zone';
const GIB = 1024 ** 3;

type Handler = (call: { request: Record<string, unknown> }) => Promise<unknown>;

/** Maps a handler's error to the gRPC status CSI sidecars act on. */
function unary(g: typeof grpc, h: Handler): grpc.handleUnaryCall<Record<string, unknown>, unknown> {
  return (call, callback) => {
    h(call).then(
      (res) => callback(null, res),
      (err: Error) => {
        const code =
          err instanceof NotFound
            ? g.status.NOT_FOUND
            : err instanceof FailedPrecondition
              ? g.status.FAILED_PRECONDITION
              : err instanceof AlreadyExists
                ? g.status.ALREADY_EXISTS
                : err instanceof InvalidArgument
                  ? g.status.INVALID_ARGUMENT
                  : g.status.INTERNAL;
        callback({ code, details: err.message } as grpc.ServiceError);
      },
    );
  };
}

class InvalidArgument extends Error {}

const need = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || value === '') throw new InvalidArgument(`${what} is required`);
  return value;
};

const timestamp = (iso: string) => {
  const ms = Date.parse(iso);
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
};

const volumeMessage = (v: VolumeRecord) => ({
  volume_id: v.id,
  capacity_bytes: v.capacityBytes,
  volume_context: {},
  ...(v.sourceSnapshotId ? { content_source: { snapshot: { snapshot_id: v.sourceSnapshotId } } } : {}),
  accessible_topology: v.zone ? [{ segments: { [ZONE_KEY]: v.zone } }] : [],
});

const snapshotMessage = (s: SnapshotRecord) => ({
  snapshot_id: s.id,
  source_volume_id: s.sourceVolumeId,
  size_bytes: s.sizeBytes,
  creation_time: timestamp(s.createdAt),
  ready_to_use: true,
});

/** The zone a CreateVolume should use: the first preferred, else the first requisite segment. */
function zoneOf(req: Record<string, unknown>): string | undefined {
  const ar = req.accessibility_requirements as
    | {
        preferred?: { segments?: Record<string, string> }[];
        requisite?: { segments?: Record<string, string> }[];
      }
    | undefined;
  return ar?.preferred?.[0]?.segments?.[ZONE_KEY] ?? ar?.requisite?.[0]?.segments?.[ZONE_KEY];
}

function identity(ready: () => boolean) {
  return {
    GetPluginInfo: async () => ({ name: CSI_DRIVER_NAME, vendor_version: '1.0.0' }),
    GetPluginCapabilities: async () => ({
      capabilities: [
        { service: { type: 'CONTROLLER_SERVICE' } },
        { service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } },
      ],
    }),
    Probe: async () => ({ ready: { value: ready() } }),
  };
}

function controller(store: CsiStore) {
  const caps = [
    'CREATE_DELETE_VOLUME',
    'PUBLISH_UNPUBLISH_VOLUME',
    'CREATE_DELETE_SNAPSHOT',
    'LIST_SNAPSHOTS',
    'LIST_VOLUMES',
  ];
  return {
    ControllerGetCapabilities: async () => ({ capabilities: caps.map((type) => ({ rpc: { type } })) }),
    CreateVolume: async ({ request: r }: { request: Record<string, unknown> }) => {
      const name = need(r.name, 'name');
      const range = r.capacity_range as { required_bytes?: string | number } | undefined;
      const source = r.volume_content_source as
        { snapshot?: { snapshot_id?: string }; volume?: unknown } | undefined;
      if (source?.volume) throw new InvalidArgument('cloning a volume is not supported; use a snapshot');
      const zone = zoneOf(r);
      const { volume } = await store.createVolume({
        name,
        capacityBytes: Number(range?.required_bytes ?? GIB) || GIB,
        ...(zone ? { zone } : {}),
        ...(source?.snapshot?.snapshot_id ? { fromSnapshot: source.snapshot.snapshot_id } : {}),
      });
      return { volume: volumeMessage(volume) };
    },
    DeleteVolume: async ({ request: r }: { request: Record<string, unknown> }) => {
      await store.deleteVolume(need(r.volume_id, 'volume_id'));
      return {};
    },
    ControllerPublishVolume: async ({ request: r }: { request: Record<string, unknown> }) => {
      await store.publish(need(r.volume_id, 'volume_id'), need(r.node_id, 'node_id'));
      return { publish_context: {} };
    },
    ControllerUnpublishVolume: async ({ request: r }: { request: Record<string, unknown> }) => {
      await store.unpublish(need(r.volume_id, 'volume_id'), need(r.node_id, 'node_id'));
      return {};
    },
    ValidateVolumeCapabilities: async ({ request: r }: { request: Record<string, unknown> }) => {
      const id = need(r.volume_id, 'volume_id');
      if (!(await store.getVolume(id))) throw new NotFound(`volume ${id} does not exist`);
      return { confirmed: { volume_capabilities: r.volume_capabilities } };
    },
    ListVolumes: async () => ({
      entries: await Promise.all(
        (await store.listVolumes()).map(async (v) => ({
          volume: volumeMessage(v),
          status: { published_node_ids: await store.publishedTo(v.id) },
        })),
      ),
    }),
    CreateSnapshot: async ({ request: r }: { request: Record<string, unknown> }) => ({
      snapshot: snapshotMessage(
        await store.createSnapshot(need(r.name, 'name'), need(r.source_volume_id, 'source_volume_id')),
      ),
    }),
    DeleteSnapshot: async ({ request: r }: { request: Record<string, unknown> }) => {
      await store.deleteSnapshot(need(r.snapshot_id, 'snapshot_id'));
      return {};
    },
    ListSnapshots: async ({ request: r }: { request: Record<string, unknown> }) => {
      const all = await store.listSnapshots();
      const picked = all.filter(
        (s) =>
          (!r.snapshot_id || s.id === r.snapshot_id) &&
          (!r.source_volume_id || s.sourceVolumeId === r.source_volume_id),
      );
      return { entries: picked.map((s) => ({ snapshot: snapshotMessage(s) })) };
    },
  };
}

const isMounted = (path: string): boolean =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path);

function node(store: CsiStore, nodeId: string, zone: string) {
  return {
    NodeGetCapabilities: async () => ({ capabilities: [] }),
    NodeGetInfo: async () => ({
      node_id: nodeId,
      max_volumes_per_node: 0,
      accessible_topology: { segments: { [ZONE_KEY]: zone } },
    }),
    NodePublishVolume: async ({ request: r }: { request: Record<string, unknown> }) => {
      const id = need(r.volume_id, 'volume_id');
      const target = need(r.target_path, 'target_path');
      if (!(await store.getVolume(id))) throw new NotFound(`volume ${id} does not exist`);
      mkdirSync(target, { recursive: true });
      if (!isMounted(target)) {
        execFileSync('mount', ['--bind', store.volumeData(id), target]);
        if (r.readonly) execFileSync('mount', ['-o', 'remount,bind,ro', target]);
      }
      return {};
    },
    NodeUnpublishVolume: async ({ request: r }: { request: Record<string, unknown> }) => {
      const target = need(r.target_path, 'target_path');
      if (isMounted(target)) execFileSync('umount', [target]);
      rmSync(target, { recursive: true, force: true });
      return {};
    },
  };
}

function registration(endpoint: string) {
  return {
    GetInfo: async () => ({
      type: 'CSIPlugin',
      name: CSI_DRIVER_NAME,
      endpoint,
      supported_versions: ['1.0.0'],
    }),
    NotifyRegistrationStatus: async ({ request: r }: { request: Record<string, unknown> }) => {
      if (!r.plugin_registered) console.error(`kubelet refused the registration: ${String(r.error)}`);
      else console.error('registered with the kubelet');
      return {};
    },
  };
}

async function serve(
  g: typeof grpc,
  socket: string,
  services: { service: grpc.ServiceDefinition; impl: Record<string, Handler> }[],
): Promise<grpc.Server> {
  const server = new g.Server();
  for (const s of services)
    server.addService(
      s.service,
      Object.fromEntries(
        Object.entries(s.impl).map(([k, h]) => [k, unary(g, h)]),
      ) as grpc.UntypedServiceImplementation,
    );
  mkdirSync(dirname(socket), { recursive: true });
  rmSync(socket, { force: true });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, g.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return server;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      endpoint: { type: 'string' },
      state: { type: 'string' },
      'csi-proto': { type: 'string' },
      'registration-proto': { type: 'string' },
      'registration-socket': { type: 'string' },
      'node-id': { type: 'string' },
      zone: { type: 'string' },
    },
  });
  const mode = positionals[0];
  const endpoint = values.endpoint;
  if ((mode !== 'controller' && mode !== 'node') || !endpoint || !values.state || !values['csi-proto']) {
    console.error('usage: csi-plugin controller|node --endpoint PATH --state DIR --csi-proto FILE [...]');
    process.exit(2);
  }
  const g = await import('@grpc/grpc-js');
  const loader = await import('@grpc/proto-loader');
  const load = (file: string) =>
    g.loadPackageDefinition(
      loader.loadSync(file, { keepCase: true, longs: Number, enums: String, defaults: false, oneofs: true }),
    ) as unknown as Record<string, Record<string, Record<string, { service: grpc.ServiceDefinition }>>>;
  const csi = load(values['csi-proto'])['csi']!['v1']!;
  const store = new CsiStore(values.state);
  if (mode === 'controller') {
    await serve(g, endpoint, [
      { service: csi['Identity']!.service, impl: identity(() => true) as unknown as Record<string, Handler> },
      { service: csi['Controller']!.service, impl: controller(store) as unknown as Record<string, Handler> },
    ]);
  } else {
    const nodeId = values['node-id'];
    const zone = values.zone;
    const regProto = values['registration-proto'];
    const regSocket = values['registration-socket'];
    if (!nodeId || !zone || !regProto || !regSocket) {
      console.error('node mode needs --node-id, --zone, --registration-proto and --registration-socket');
      process.exit(2);
    }
    await serve(g, endpoint, [
      { service: csi['Identity']!.service, impl: identity(() => true) as unknown as Record<string, Handler> },
      {
        service: csi['Node']!.service,
        impl: node(store, nodeId, zone) as unknown as Record<string, Handler>,
      },
    ]);
    // Last: the kubelet's plugin watcher calls GetInfo as soon as this socket appears.
    const reg = (
      load(regProto) as unknown as Record<string, Record<string, { service: grpc.ServiceDefinition }>>
    )['pluginregistration']!;
    await serve(g, regSocket, [
      {
        service: reg['Registration']!.service,
        impl: registration(endpoint) as unknown as Record<string, Handler>,
      },
    ]);
  }
  console.error(`csi-plugin ${mode} serving on ${endpoint}`);
}

if (require.main === module)
  main().catch((err: Error) => {
    console.error(`csi-plugin: ${err.message}`);
    process.exit(1);
  });
