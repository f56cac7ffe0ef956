// The reference-compatible JSON shape of a disk (what `disk list -o json` prints).
import type { Disk } from '../drivers/driver';
import type { DiskView } from '../api/messages';

export function diskView(d: Disk): DiskView {
  return {
    name: d.name,
    volumeName: d.volumeName,
    assigned: d.assigned,
    size: d.size,
    zone: d.zone,
    handle: d.handle,
    createdAt: d.createdAt,
  };
}
