import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Plain JavaScript that no TypeScript build checks: the benchmarks and scripts run on Node,
  // the embedded queue's web view runs in the browser.
  { files: ['bench/**/*.mjs', 'scripts/**/*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['packages/local-queue/web/**/*.js'], languageOptions: { globals: globals.browser } },
);
