// Lint rules that keep the layering of DESIGN.md §1 true: the engine never imports electron or
// the app, and the renderer knows only src-main/ipc.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src-renderer/dist/**', 'bench/.work/**', 'bench/out/**', '**/*.svelte', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src-main/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*'], message: 'The engine never imports electron (DESIGN.md §1).' },
          { group: ['**/app/**', '**/cli/**', '**/preload/**'], message: 'Dependencies point one way: app, cli, appliance → engine.' },
          // The top-level appliance/ server only: src-main/engine/appliance/ (the client) is engine code.
          { regex: '^(\\.\\./){3,}appliance(/|$)', message: 'Dependencies point one way: app, cli, appliance → engine.' },
        ],
      }],
    },
  },
  {
    files: ['src-renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/src-main/engine/**', '**/src-main/app/**', 'electron', 'node:*'], message: 'The renderer knows only src-main/ipc.' }],
      }],
    },
  },
);
