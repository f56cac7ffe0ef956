// The top-level commands: each one's summary for `kompoxops --help`, and how to load it. Help
// lists the summaries without loading any command module (the Temporal and Kubernetes clients
// they pull in take seconds), and a command's module is loaded only when it runs.
// test/unit/cli/command-index.test.ts checks each summary against its command's own description.
import type { Command } from 'commander';
import type { GlobalOptions } from './project';

export type Register = (program: Command, globals: () => GlobalOptions) => Promise<void>;

export const COMMANDS: Record<string, { summary: string; register: Register }> = {
  dev: {
    summary: 'run the embedded Temporal dev server and worker on this machine',
    register: async (p) => (await import('./commands/dev')).devCommand(p),
  },
  validate: {
    summary: 'check the KOM files and every App compose file; exit 2 if anything is invalid',
    register: async (p, g) => (await import('./commands/validate')).validateCommand(p, g),
  },
  app: {
    summary: 'deploy and inspect an app',
    register: async (p, g) => (await import('./commands/app')).appCommand(p, g),
  },
  disk: {
    summary: 'disks of an app volume',
    register: async (p, g) => (await import('./commands/disk')).diskCommand(p, g),
  },
  snapshot: {
    summary: 'snapshots of an app volume',
    register: async (p, g) => (await import('./commands/snapshot')).snapshotCommand(p, g),
  },
  schedule: {
    summary: "the app's snapshot schedule (a Temporal Schedule made from spec.snapshots)",
    register: async (p, g) => (await import('./commands/schedule')).scheduleCommand(p, g),
  },
  op: {
    summary: "show, follow and cancel an app's operations",
    register: async (p, g) => (await import('./commands/op')).opCommand(p, g),
  },
  worker: {
    summary: 'run a Kompox worker in the foreground until interrupted',
    register: async (p, g) => (await import('./commands/worker')).workerCommand(p, g),
  },
  'codec-server': {
    summary:
      'decode payloads for the Temporal CLI and Web UI (loopback only, unless KOMPOX_CODEC_SERVER_TOKEN sets a bearer token or --tls-ca requires client certificates)',
    register: async (p, g) => (await import('./commands/codec-server')).codecServerCommand(p, g),
  },
  webhook: {
    summary:
      'receive monitoring alerts (Alertmanager, Azure Monitor, SNS, Google Cloud) that start node failovers',
    register: async (p, g) => (await import('./commands/webhook')).webhookCommand(p, g),
  },
  version: {
    summary: 'print the version',
    register: async (p) => (await import('./commands/version')).versionCommand(p),
  },
};
