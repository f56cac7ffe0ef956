// Synchronous checks the controller runs before accepting an operation: a rejected request
// never enters history and the caller gets the message at once.
import type { DiskView } from './messages';
import type { OperationKind, OperationRequest } from './operation';

// A record over every kind, so adding an operation kind without listing it here fails to compile.
const KINDS: Record<OperationKind, true> = {
  'disk.create': true,
  'disk.bootstrap': true,
  'disk.assign': true,
  'disk.delete': true,
  'app.deploy': true,
  'app.destroy': true,
  'snapshot.create': true,
  'snapshot.delete': true,
  'snapshot.restore': true,
  'snapshot.prune': true,
};

export function validateRequest(
  appId: string,
  request: OperationRequest,
  disks: Record<string, DiskView[]>,
): void {
  if (!request || typeof request !== 'object') throw new Error('operation request is missing');
  if (!Object.hasOwn(KINDS, request.kind))
    throw new Error(`unknown operation kind "${String(request.kind)}"`);
  if (!request.requestId) throw new Error('operation request has no requestId');
  if (request.target?.appId !== appId) {
    throw new Error(`request is for app "${request.target?.appId}" but this controller manages "${appId}"`);
  }
  if (request.kind === 'disk.bootstrap' || request.kind === 'app.deploy' || request.kind === 'app.destroy')
    return;
  if (
    (request.kind === 'snapshot.create' || request.kind === 'snapshot.prune') &&
    request.volume === undefined
  ) {
    if (request.kind === 'snapshot.create' && request.name)
      throw new Error('a snapshot name (-N) needs one volume (-V)');
    return;
  }
  const volume = request.target.volumes.find((v) => v.name === request.volume);
  if (!volume) {
    const known = request.target.volumes.map((v) => v.name).join(', ') || 'none';
    throw new Error(`app "${appId}" has no volume "${request.volume}" (volumes: ${known})`);
  }
  if (
    request.kind === 'disk.create' ||
    request.kind === 'snapshot.create' ||
    request.kind === 'snapshot.prune'
  )
    return;
  if (!request.name) throw new Error(`${request.kind} needs a name (-N)`);
  if (request.kind === 'disk.delete') {
    const disk = disks[request.volume]?.find((d) => d.name === request.name);
    if (disk?.assigned) {
      throw new Error(
        `disk "${request.name}" is the assigned disk of volume "${request.volume}" and is never deleted; assign another disk first`,
      );
    }
  }
}
