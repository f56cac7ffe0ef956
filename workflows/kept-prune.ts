// Prunes what migrations kept once the keep window has passed: source disks that are not
// assigned again and copied snapshots that are not their volume's newest ready one in their
// region. One that fails stays kept and is tried again later; the operation still completes.
import { diskActivities } from './activity-proxies';
import { stepRunner } from './steps';
import type { OperationOutcome } from '../api/messages';
import type { KeptResource } from '../api/migration';
import type { KeptPruneRequest, OperationInput } from '../api/operation';

export async function keptPruneWorkflow({
  operationId,
  request,
  target,
}: OperationInput<KeptPruneRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const released: KeptResource[] = [];
  const failed: string[] = [];
  for (const kept of request.kept) {
    try {
      await step(
        `prune ${kept.kind} ${kept.name} kept by ${kept.migrationId}`,
        () => diskActivities.pruneKept({ target, kept }),
        (p) => p.why,
      );
      released.push(kept);
    } catch (err) {
      failed.push(`${kept.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return {
    ...(failed.length ? { phase: 'PartiallyFailed' as const } : {}),
    released,
    figures: {
      released: released.length,
      failed: failed.length,
      ...(failed.length ? { errors: failed.join('; ') } : {}),
    },
  };
}
