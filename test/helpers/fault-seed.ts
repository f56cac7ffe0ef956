// Picks LOCAL_FAULT_SEED values for tests of seeded faults.
import { FaultInjector } from '../../drivers/local/fault-injection';

/** The first seed whose first draw for `op` faults at `rate`: the case that used to fault for ever. */
export function seedFaultingFirst(op: string, rate: number): number {
  for (let seed = 1; ; seed++) {
    try {
      new FaultInjector({ faults: { [op]: rate }, seed }).maybeFail(op);
    } catch {
      return seed;
    }
  }
}
