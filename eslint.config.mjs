// Lint rules that keep Kompox honest: no floating promises anywhere, and workflow code (and the
// api/ types it shares with every layer) that stays deterministic (no Node built-ins, no activity
// or client code imported by value).
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.filter((m) => !['assert', 'url', 'util'].includes(m));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'eslint.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`)].map((name) => ({
            name,
            message: 'Workflow code runs in the deterministic sandbox: no Node built-ins.',
          })),
          patterns: [
            {
              group: [
                '**/activities/**',
                '**/activities',
                '**/drivers/**',
                '**/kube/**',
                '**/cli/**',
                '**/workers/**',
              ],
              allowTypeImports: true,
              message: 'Workflows import activities (and what they use) as types only.',
            },
            {
              group: [
                '@temporalio/activity',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/testing',
              ],
              message: 'Not available inside the workflow sandbox.',
            },
          ],
        },
      ],
    },
  },
);
