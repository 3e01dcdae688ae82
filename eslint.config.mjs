// Lint for the plugin, its e2e suite and the benchmarks: typescript-eslint's recommended rules,
// Prettier for layout, and the import boundaries the design depends on.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const src = 'packages/nx-bentoml/src';

/**
 * Forbids imports of the given directories from the files of `files`. One entry per file set:
 * ESLint keeps only the last setting of a rule for a file.
 */
const boundary = (files, forbidden, message) => ({
  files,
  ignores: ['**/*.spec.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message }] }] },
});
const callers = ['**/executors/**', '**/generators/**', '**/plugins/**'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'tmp/**', '.e2e-env/**', '.nx/**', '**/files/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // lib/ decides and never reaches up into its callers. The two tool clients know nothing of each
  // other; the chain between them lives in lib/chain.
  boundary([`${src}/lib/**`], callers, 'lib/ must not depend on its callers.'),
  boundary(
    [`${src}/lib/docker/**`],
    [...callers, '**/bentoml/**', '**/chain/**'],
    'lib/docker is the Docker client only; the chain lives in lib/chain.',
  ),
  boundary(
    [`${src}/lib/bentoml/**`],
    [...callers, '**/docker/**', '**/chain/**'],
    'lib/bentoml is the BentoML client only; the chain lives in lib/chain.',
  ),
  // Building the project graph reads build configs only: never executors, their Nx glue, the
  // Docker client or the chain.
  boundary(
    [`${src}/plugins/**`],
    ['**/executors/**', '**/executor-context', '**/run-executor', '**/lib/docker/**', '**/lib/chain/**'],
    'plugins/ only reads build configs and infers targets.',
  ),
  prettier,
);
