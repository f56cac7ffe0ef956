// Synchronous checks the controller runs before accepting an operation: a rejected request
// never enters history and the caller gets the message at once.
import type { DiskView } from './messages';
import type { OperationRequest } from './operation';

const KINDS = new Set([
  'disk.create',
  'disk.bootstrap',
  'disk.assign',
  'disk.delete',
  'app.deploy',
  'app.destroy',
]);

export function validateRequest(
  appId: string,
  request: OperationRequest,
  disks: Record<string, DiskView[]>,
): void {
  if (!request || typeof request !== 'object') throw new Error('operation request is missing');
  if (!KINDS.has(request.kind)) throw new Error(`unknown operation kind "${String(request.kind)}"`);
  if (!request.requestId) throw new Error('operation request has no requestId');
  if (request.target?.appId !== appId) {
    throw new Error(`request is for app "${request.target?.appId}" but this controller manages "${appId}"`);
  }
  if (request.kind === 'disk.bootstrap' || request.kind === 'app.deploy' || request.kind === 'app.destroy')
    return;
  const volume = request.target.volumes.find((v) => v.name === request.volume);
  if (!volume) {
    const known = request.target.volumes.map((v) => v.name).join(', ') || 'none';
    throw new Error(`app "${appId}" has no volume "${request.volume}" (volumes: ${known})`);
  }
  if (request.kind === 'disk.create') return;
  if (!request.name) throw new Error(`${request.kind} needs a disk name (-N)`);
  if (request.kind === 'disk.delete') {
    const disk = disks[request.volume]?.find((d) => d.name === request.name);
    if (disk?.assigned) {
      throw new Error(
        `disk "${request.name}" is the assigned disk of volume "${request.volume}" and is never deleted; assign another disk first`,
      );
    }
  }
}
