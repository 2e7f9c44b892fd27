import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources (export condition `memos-source`), so tests need no build.
  // `ssr.resolve` applies to the Node-side module graph the tests run in; `externalConditions` covers
  // packages Node itself loads. The condition name is unique, so third-party packages are unaffected.
  resolve: { conditions: ['memos-source'] },
  ssr: { resolve: { conditions: ['memos-source'], externalConditions: ['memos-source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'examples/nextjs-chat/**'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
