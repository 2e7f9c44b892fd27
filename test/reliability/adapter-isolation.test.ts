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
import { AdapterChecks, type AdapterIsolationStats } from './support/adapter-checks.ts';
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

describe('the adapter-isolation checks', () => {
  it('catch a leaked marker or id, an existence oracle, an untyped error and a write outside writable cubes', async () => {
    const store = openReliabilityStore({ backend: 'sqlite', label: 'adchk' });
    stores.push(store);
    const world = new IsolationWorld();
    const mos = await store.open({ newId: world.newId, vectorRetry: false });
    for (const id of ['r1u0', 'r1u1']) await mos.createUser({ id, name: id });
    await mos.createCube({ userId: 'r1u0', id: 'r1c0', name: 'cube' });
    world.cubes.set('r1c0', { id: 'r1c0', ownerId: 'r1u0', acl: new Map(), alive: true });
    const secret = world.learnItem((await mos.add({ userId: 'r1u0', cubeId: 'r1c0', text: `garden ${world.newMarker()}` })).items[0]!);
    const stats: AdapterIsolationStats = { sequences: 0, operations: 0, rejected: 0, byOp: {}, violations: [] };
    const checks = new AdapterChecks({ mos, world, stats, cubes: () => ['r1c0'] });
    const kinds = () => stats.violations.splice(0).map((v) => v.kind);

    await checks.call('own', 'r1u0', {}, async () => ({ text: [...secret.markers][0], id: secret.id }));
    expect(kinds()).toEqual([]);
    await checks.call('marker', 'r1u1', {}, async () => `found ${[...secret.markers][0]}`);
    await checks.call('id', 'r1u1', {}, async () => new Error(`no access to ${secret.id} in r1c0`));
    expect(kinds()).toEqual(['leak', 'leak', 'leak']);
    const notFound = async () => mos.get({ userId: 'r1u1', id: 'it0x' });
    await checks.call('hidden', 'r1u1', { id: secret.id }, async () => mos.get({ userId: 'r1u1', id: secret.id }), notFound);
    expect(kinds()).toEqual([]);
    await checks.call('oracle', 'r1u1', { id: secret.id }, async () => [], notFound);
    await checks.call('untyped', 'r1u1', {}, async () => { throw new TypeError('boom'); });
    expect(kinds()).toEqual(['existence-oracle', 'untyped-error']);
    await mos.add({ userId: 'r1u0', cubeId: 'r1c0', text: 'piano' });
    await checks.sync('write', 'r1u1');
    expect(kinds()).toEqual(['unauthorized']);
  });
});
