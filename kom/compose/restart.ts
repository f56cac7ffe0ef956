// Service `restart:` against what a Deployment does: it restarts every container that stops,
// always. `always` and `unless-stopped` mean that; `no` and `on-failure` cannot be honoured,
// and the user is told what will happen instead.
import { quote } from '../errors';
import type { MapReader } from '../field-reader';

export function checkRestart(service: MapReader): void {
  if (service.has('restart')) {
    const problem = restartProblem(service.raw('restart'));
    if (problem?.severity === 'error') service.report.error(service.at('restart'), problem.message);
    else if (problem !== undefined) service.report.warn(service.at('restart'), problem.message);
  }
  service.accept('restart');
}

/** What a Deployment does about `restart:`; undefined when it does what compose asked. */
function restartProblem(value: unknown): { severity: 'error' | 'warning'; message: string } | undefined {
  if (value === 'always' || value === 'unless-stopped') return undefined;
  if (value === 'no' || value === false) {
    return {
      severity: 'warning',
      message:
        '"no" cannot be honoured: a Deployment restarts every container that stops, so this one is restarted too',
    };
  }
  if (typeof value === 'string' && /^on-failure(:\d+)?$/.test(value)) {
    return {
      severity: 'warning',
      message: `${quote(value)} cannot be honoured exactly: a Deployment restarts the container after any exit, also a clean one, with no retry limit`,
    };
  }
  return {
    severity: 'error',
    message: `${quote(value)}: must be no, always, on-failure[:N] or unless-stopped`,
  };
}
