// Failover on an alert with the `local` provider: see test/helpers/failover-suite.ts.
import { failoverSuite } from '../../helpers/failover-suite';

failoverSuite('local');
