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
const nx = ['@nx/*', 'nx', 'nx/*'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'tmp/**', '.e2e-env/**', '.venv-lint/**', '.nx/**', '**/files/**'] },
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
  // Helper programs Node runs by path, without a build (lib/bentoml/*.js): CommonJS.
  { files: [`${src}/**/*.js`], languageOptions: { sourceType: 'commonjs' } },
  // lib/ decides, is Nx-free and never reaches up into its callers. The three tool clients (BentoML,
  // the Docker Engine, the registry) know nothing of each other; the chain between them lives in lib/chain.
  boundary([`${src}/lib/**`], [...callers, ...nx], 'lib/ is Nx-free and must not depend on its callers.'),
  boundary(
    [`${src}/lib/docker/**`],
    [...callers, ...nx, '**/bentoml/**', '**/registry/**', '**/chain/**'],
    'lib/docker is the Docker Engine client only; the chain lives in lib/chain.',
  ),
  boundary(
    [`${src}/lib/bentoml/**`],
    [...callers, ...nx, '**/docker/**', '**/registry/**', '**/chain/**'],
    'lib/bentoml is the BentoML client only; the chain lives in lib/chain.',
  ),
  boundary(
    [`${src}/lib/registry/**`],
    [...callers, ...nx, '**/docker/**', '**/bentoml/**', '**/chain/**'],
    'lib/registry is the registry client only (the Engine pushes through lib/docker); the chain lives in lib/chain.',
  ),
  boundary(
    [`${src}/lib/smoke/**`],
    [...callers, ...nx, '**/docker/**', '**/bentoml/**', '**/registry/**', '**/chain/**'],
    "lib/smoke speaks HTTP only: smoke-test.json and the checks; the container is the executor's.",
  ),
  boundary(
    [`${src}/lib/*.ts`, `${src}/lib/process/**`],
    [...callers, ...nx, '**/docker/**', '**/bentoml/**', '**/registry/**', '**/chain/**', '**/smoke/**'],
    'The shared base (lib/*.ts, lib/process) knows no tool: put tool-specific code in its client.',
  ),
  // Generators write files and run nothing.
  boundary(
    [`${src}/generators/**`],
    ['**/executors/**', '**/lib/docker/**', '**/lib/registry/**', '!**/lib/registry/reference', '**/lib/chain/**'],
    'Generators write files and run nothing: no executors, no Docker or registry client, no chain.',
  ),
  // Executors orchestrate; what infers targets or writes files is not theirs to call.
  boundary(
    [`${src}/executors/**`],
    ['**/plugins/**', '**/generators/**'],
    'Executors orchestrate lib/; they never call the plugin or generators.',
  ),
  // Building the project graph reads build configs only: never executors, their Nx glue, the
  // Docker client or the chain.
  boundary(
    [`${src}/plugins/**`],
    ['**/executors/**', '**/lib/docker/**', '**/lib/chain/**'],
    'plugins/ only reads build configs and infers targets.',
  ),
  prettier,
);
