// `kompoxops --help` lists the commands from a table without loading them: the table must say
// what each command says of itself, and name every command there is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { COMMANDS } from '../../../cli/command-index';

void describe('the command index', () => {
  void it("gives each command's own description, and registers exactly that command", async () => {
    for (const [name, { summary, register }] of Object.entries(COMMANDS)) {
      const program = new Command();
      await register(program, () => ({}) as never);
      assert.deepEqual(
        program.commands.map((c) => [c.name(), c.description()]),
        [[name, summary]],
      );
    }
  });
});
