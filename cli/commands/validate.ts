import type { Command } from 'commander';
import type { GlobalOptions } from '../project';
export function validateCommand(_program: Command, _globals: () => GlobalOptions): void {}
