// Loads the KOM project the way the reference does and turns the selected App into the
// AppTarget workflows receive. Invalid KOM or compose is a usage error (exit 2).
import type { AppTarget } from '../workflows/app-target';
import { usageError } from './exit-codes';

export interface GlobalOptions {
  chdir?: string;
  kompoxRoot?: string;
  kompoxDir?: string;
  komPath?: string[];
  komApp?: string;
  appId?: string;
  appName?: string;
  temporalAddress?: string;
  namespace?: string;
}

export function loadAppTarget(_globals: GlobalOptions): AppTarget {
  throw usageError('KOM loading is not wired yet');
}
