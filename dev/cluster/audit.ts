// The apiserver's audit log, for tests that prove what a ServiceAccount does on the cluster:
// one JSON line per request of any ServiceAccount (the control plane's own components use the
// admin token and are left out), at Metadata level, so the log holds who did what, never bodies.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

const POLICY = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [{ level: 'Metadata', userGroups: ['system:serviceaccounts'] }, { level: 'None' }],
};

export function writeAuditPolicy(file: string): void {
  writeFileSync(file, stringify(POLICY));
}

/** The apiserver flags that turn the log on. */
export function auditArgs(policyFile: string, logFile: string): string[] {
  return [`--audit-policy-file=${policyFile}`, `--audit-log-path=${logFile}`, '--audit-log-format=json'];
}

/** One request as the audit log records it (the fields tests look at). */
export interface AuditEvent {
  stage: string;
  verb: string;
  user: { username: string };
  objectRef?: {
    resource?: string;
    subresource?: string;
    apiGroup?: string;
    namespace?: string;
    name?: string;
  };
  responseStatus?: { code?: number };
  requestURI: string;
}

/** The completed requests in the log (an absent log is empty: nothing was requested yet). */
export function readAuditLog(file: string): AuditEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((e) => e.stage === 'ResponseComplete' || e.stage === 'Panic');
}
