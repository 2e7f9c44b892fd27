/**
 * Fuzzing every public MOS entry point (fast-check, seeded) on SQLite (a file, compared row by row
 * with node:sqlite) and on Neo4j + Chroma: huge strings, invalid Unicode, control characters, SQL
 * and Cypher injection, prototype-pollution keys, deeply nested filters, NaN/Infinity, wrong types,
 * out-of-range topK/limit/offset and hostile dumps. Only MemosError subclasses may be thrown,
 * nothing may hang or pollute a prototype, and a rejected call leaves the store unchanged.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MemOS } from '@memos-js/core';
import { runHostileDumps } from './support/hostile-dump-cases.ts';
import { emptyFuzzStats, ENTRY_POINTS, fuzzCases, missingEntryPoints, runFuzzCases, seedFuzzStore, summarizeFuzz, type FuzzSeed } from './support/fuzz-run.ts';
import { reliabilityScale, reliabilitySeed } from './support/reliability-scale.ts';
import { openReliabilityStore, RELIABILITY_BACKENDS, type ReliabilityStore } from './support/reliability-store.ts';

const stores: ReliabilityStore[] = [];
afterAll(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

for (const backend of RELIABILITY_BACKENDS) {
  describe.sequential(`fuzzing the public entry points on ${backend}`, () => {
    let mos: MemOS;
    let seed: FuzzSeed;
    let store: ReliabilityStore;

    beforeAll(async () => {
      store = openReliabilityStore({ backend, urls: { neo4jUrl: inject('neo4jUrl'), chromaUrl: inject('chromaUrl') }, sqlite: 'file', label: 'fuzz' });
      stores.push(store);
      mos = await store.open({ vectorRetry: false, trackAccess: false });
      seed = await seedFuzzStore(mos, store.scratch);
    }, 60_000);

    it('hostile inputs: typed errors only, no hang, no pollution, nothing written by a rejected call', async () => {
      const count = Math.round((backend === 'sqlite' ? 120 : 30) * reliabilityScale());
      const stats = await runFuzzCases({ mos, seed, cases: fuzzCases({ seed: reliabilitySeed(), cases: count }), ...(store.sqlitePath ? { sqlitePath: store.sqlitePath } : {}) });
      expect(stats.cases).toBeGreaterThan(count / 2);
      expect(stats.rejected).toBeGreaterThan(stats.cases / 3);
      expect(summarizeFuzz(stats.violations), `${stats.violations.length} violations in ${stats.cases} cases`).toBe('');
    }, 150_000);

    it('every entry point is fuzzed at least once', async () => {
      const stats = await runFuzzCases({ mos, seed, cases: Object.keys(ENTRY_POINTS).map((entry, key) => ({ entry, mode: 'field' as const, key, value: Number.NaN })), ...(store.sqlitePath ? { sqlitePath: store.sqlitePath } : {}) });
      expect(summarizeFuzz(stats.violations)).toBe('');
      expect(missingEntryPoints(mos), 'issue 9 adds mos.forget and mos.sweep').toEqual([]);
    }, 60_000);

    it('hostile dumps: a typed error and nothing written, or nothing outside the new cube touched', async () => {
      const stats = emptyFuzzStats();
      await runHostileDumps({ mos, seed, stats, ...(store.sqlitePath ? { sqlitePath: store.sqlitePath } : {}) });
      expect(stats.cases).toBeGreaterThan(10);
      expect(summarizeFuzz(stats.violations), `${stats.violations.length} violations in ${stats.cases} hostile dumps`).toBe('');
    }, 120_000);
  });
}
