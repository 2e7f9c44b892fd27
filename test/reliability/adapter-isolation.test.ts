/**
 * Tenant isolation through every adapter, property-based: seeded random sequences of operations
 * issued through the LangChain / LangGraph / AI SDK adapters (configured with server-side
 * `identity` resolvers, every run carrying hostile client fields that name a victim) while owners
 * share and unshare through the MOS, on SQLite and on Neo4j + Chroma. No result, tool output,
 * injected prompt or error reveals an item the actor may not read at that moment, a hidden id or
 * cube behaves like an unknown one, and no write lands in a cube the actor may not write (see
 * support/adapter-isolation-run.ts).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { adapterIsolationSequences } from './support/adapter-isolation-ops.ts';
import { runAdapterIsolationSequences } from './support/adapter-isolation-run.ts';
import { summarizeViolations } from './support/isolation-run.ts';
import { IsolationWorld } from './support/isolation-world.ts';
import { reliabilityScale, reliabilitySeed } from './support/reliability-scale.ts';
import { openReliabilityStore, RELIABILITY_BACKENDS, type ReliabilityStore } from './support/reliability-store.ts';

const USERS = 3;
const OPS = 30;
const stores: ReliabilityStore[] = [];
afterAll(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

for (const backend of RELIABILITY_BACKENDS) {
  describe.sequential(`tenant isolation through the adapters on ${backend}`, () => {
    it('no adapter output, injected prompt, error or write reveals or touches what the actor may not read or write', async () => {
      const store = openReliabilityStore({ backend, urls: { neo4jUrl: inject('neo4jUrl'), chromaUrl: inject('chromaUrl') }, label: 'adiso' });
      stores.push(store);
      const world = new IsolationWorld();
      const mos = await store.open({ newId: world.newId, vectorRetry: false });
      const runs = Math.max(1, Math.round((backend === 'sqlite' ? 20 : 2) * reliabilityScale()));
      const sequences = adapterIsolationSequences({ seed: reliabilitySeed(), runs, opsPerRun: OPS, users: USERS });
      const stats = await runAdapterIsolationSequences({ mos, world, sequences, users: USERS });
      expect(stats.operations).toBeGreaterThan(runs * OPS);
      expect(stats.rejected, 'hostile calls are refused').toBeGreaterThan(0);
      const adapterOps = Object.keys(stats.byOp).filter((op) => !op.startsWith('share') && !op.includes('twin'));
      expect(adapterOps.length, `adapter operations exercised: ${adapterOps.join(', ')}`).toBeGreaterThanOrEqual(backend === 'sqlite' ? 15 : 8);
      expect(summarizeViolations(stats.violations), `${stats.violations.length} violations in ${stats.operations} operations`).toBe('');
    }, 120_000);
  });
}
