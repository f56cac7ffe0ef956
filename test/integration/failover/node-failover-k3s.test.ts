// Failover on an alert with the `k3s` provider: see test/helpers/failover-suite.ts.
import { failoverSuite } from '../../helpers/failover-suite';

failoverSuite('k3s');
