// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// Layer boundaries (src/workbins/README.md "Boundaries"): imports only point down, from the
// composition root to the adapters (http, bayeux, store) to the domain (workbins). Each group
// is one rule a file may break; test/unit/boundaries.test.ts shows each one is enforced.
const ADAPTERS = {
  group: ['better-sqlite3', 'pg', 'ioredis', '**/store/sqlite/**', '**/store/postgres/**'],
  message:
    'Only the composition root (src/app.ts, src/cli.ts, src/main.ts, src/store/open-store.ts) picks a store adapter; use the Store port (src/store/store.ts).',
}
const DOMAIN = {
  group: [
    'fastify',
    '@fastify/*',
    'ws',
    'cookie',
    '**/http/**',
    '**/bayeux/**',
    '**/provision/**',
    '**/console/**',
    '**/app.ts',
  ],
  message:
    'The workbins domain knows no transport, no CometD server and no provisioning: take what it needs as a port (Store, Notifier) or move the shared piece into src/workbins/.',
}
const BAYEUX = {
  group: ['**/workbins/**', '**/store/**', '**/http/**', '**/provision/**', '**/app.ts'],
  message:
    'The CometD server is generic: it knows neither the workbins domain nor the store; src/app.ts wires them together.',
}
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] })

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'bench/results/', 'dist/', '.dist-*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    // src/cluster/redis-bus.ts is the cluster bus adapter (ioredis), as src/store/** are the store's;
    // src/content-threads/** reads SQLite on threads of its own for the domain's content reader.
    ignores: [
      'src/app.ts',
      'src/cli.ts',
      'src/main.ts',
      'src/store/**',
      'src/cluster/redis-bus.ts',
      'src/content-threads/**',
    ],
    rules: restrict(ADAPTERS),
  },
  { files: ['src/workbins/**/*.ts'], rules: restrict(ADAPTERS, DOMAIN) },
  { files: ['src/bayeux/**/*.ts'], rules: restrict(ADAPTERS, BAYEUX) },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // the browser console: plain ES modules loaded as they are
    files: ['console/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'document',
          'location',
          'localStorage',
          'fetch',
          'btoa',
          'unescape',
          'encodeURIComponent',
          'Node',
          'FormData',
          'URLSearchParams',
          'setTimeout',
          'clearTimeout',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
)
