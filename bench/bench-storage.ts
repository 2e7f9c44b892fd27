import type { StorageOption } from '@memos-js/core';

/** Backends the benchmarks can run on. */
export const BENCH_BACKENDS = ['sqlite'] as const;

/**
 * Storage for a benchmark run on the named backend (a fresh in-memory SQLite database for
 * `sqlite`). Server backends are added by the Neo4j/Chroma work; an unknown name is an error.
 */
export async function benchStorage(backend: string): Promise<{ storage: StorageOption; cleanup: () => Promise<void> }> {
  if (backend === 'sqlite') return { storage: { kind: 'sqlite', path: ':memory:' }, cleanup: async () => {} };
  throw new Error(`unknown --backend ${JSON.stringify(backend)}; expected one of ${BENCH_BACKENDS.join(', ')}`);
}
