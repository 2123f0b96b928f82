import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

/**
 * Imports point inward: pages → state → workers → core. `layer(folders, why)` forbids a file
 * from importing any module under one of `folders`, wherever the relative path climbs from.
 */
const layer = (folders, message) =>
  folders.map((folder) => ({ group: [`**/${folder}/*`, `**/${folder}/**`], message }));

/** The core's folders: src/lib/ minus state/ and ui/. */
const CORE = [
  'clicks',
  'data',
  'env',
  'eval',
  'export',
  'generate',
  'hub',
  'kernels',
  'mine',
  'model',
  'store',
  'train',
  'util',
];
const OUTER = layer(
  ['state', 'ui', 'workers', 'routes'],
  'src/lib/<domain> is the DOM-free core: it never imports state, ui, workers or routes.',
);
/** The core rules plus `extra` for one folder (a later config object replaces a rule's options). */
const coreRule = (...extra) => ['error', { patterns: [...OUTER, ...extra] }];

export default ts.config(
  {
    ignores: [
      'dist/',
      'dist-e2e/',
      'node_modules/',
      'tests/fixtures/',
      'test-results/',
      'playwright-report/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser } },
  },
  {
    files: CORE.map((d) => `src/lib/${d}/**/*.ts`),
    rules: { 'no-restricted-imports': coreRule() },
  },
  {
    files: ['src/lib/kernels/**/*.ts'],
    rules: {
      'no-restricted-imports': coreRule(
        ...layer(
          ['model', 'train', 'env'],
          'kernels sit below model and train (which import them) and below env (which picks among them).',
        ),
      ),
    },
  },
  {
    files: ['src/lib/model/**/*.ts'],
    rules: {
      'no-restricted-imports': coreRule(
        ...layer(['train'], 'model/ does not know about train/ (train imports model).'),
      ),
    },
  },
  {
    files: ['src/lib/store/**/*.ts'],
    rules: {
      'no-restricted-imports': coreRule(
        ...layer(['export'], 'store keeps records; what a folder or zip holds is export’s.'),
      ),
    },
  },
);
