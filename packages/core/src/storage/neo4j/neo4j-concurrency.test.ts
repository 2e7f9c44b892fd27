import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { createMemOS, type MemOS } from '../../mos.ts';
import { countRetries, findLostUpdates, runItemUpdates } from '../../testing/concurrent-item-updates.ts';
import { uniqueSuffix } from '../../testing/fixtures.ts';
import { interceptedVectorStore } from '../../testing/intercepted-vector-store.ts';
import { createNeo4jStorage } from './create-neo4j-storage.ts';

const url = inject('neo4jUrl') || process.env.MEMOS_NEO4J_URL || '';
if (url === '') throw new Error('No Neo4j server: run through vitest (test/global-setup.ts) or set MEMOS_NEO4J_URL');
vi.setConfig({ testTimeout: 180_000 });

const namespaces: string[] = [];
const opened: MemOS[] = [];

afterAll(async () => {
  for (const mos of opened) await mos.close();
  for (const namespace of namespaces) {
    const storage = createNeo4jStorage({ url, namespace });
    await storage.dropNamespace();
    await storage.close();
  }
});

/** A runtime of its own (own driver, own sessions) on the namespace: graph and vectors in Neo4j. */
async function runtime(namespace: string, options: { conflictRetry?: ReturnType<typeof countRetries>; intercept?: boolean } = {}) {
  const { graph, vector } = createNeo4jStorage({ url, namespace, vectorIndex: true });
  if (vector === undefined) throw new Error('vectorIndex: true must give a vector store');
  const intercepted = options.intercept ? interceptedVectorStore(vector) : undefined;
  const mos = createMemOS({
    storage: { kind: 'custom', graph, vector: intercepted ?? vector },
    vectorRetry: false,
    trackAccess: false,
    ...(options.conflictRetry ? { conflictRetry: options.conflictRetry } : {}),
  });
  opened.push(mos);
  await mos.setup();
  return { mos, intercepted };
}

function namespace(): string {
  const ns = `tconc_${uniqueSuffix()}`;
  namespaces.push(ns);
  return ns;
}

describe('two runtimes on one Neo4j namespace', () => {
  it('update the same items at once: nothing lost, versions strictly 1..n, vectors current', async () => {
    const ns = namespace();
    const retries = [countRetries({ attempts: 30 }), countRetries({ attempts: 30 })];
    const [a, b] = [await runtime(ns, { conflictRetry: retries[0]! }), await runtime(ns, { conflictRetry: retries[1]! })];
    await a.mos.createUser({ id: 'alice', name: 'Alice' });
    await a.mos.createCube({ userId: 'alice', id: 'shared', name: 'shared' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push(...(await a.mos.add({ userId: 'alice', cubeId: 'shared', text: `note ${i} about the orchard` })).items.map((item) => item.id));
    const reports = await Promise.all(
      [a.mos, b.mos].map((mos, w) => runItemUpdates({ mos, userId: 'alice', ids, rounds: 6, writer: `runtime-${w}` })),
    );
    expect(reports.flatMap((r) => r.failures)).toStrictEqual([]);
    expect(reports.map((r) => r.conflicts)).toStrictEqual([0, 0]);
    expect(reports.flatMap((r) => r.acknowledged)).toHaveLength(2 * 6 * ids.length);
    expect(retries[0]!.retries() + retries[1]!.retries()).toBeGreaterThan(0);
    expect(await findLostUpdates({ mos: b.mos, userId: 'alice', ids, acknowledged: reports.flatMap((r) => r.acknowledged) })).toStrictEqual([]);
  });

  it('repair in one runtime racing an update and a delete in the other writes no stale or resurrected vector', async () => {
    const ns = namespace();
    const a = await runtime(ns, { intercept: true });
    const b = await runtime(ns);
    const vector = a.intercepted!;
    await a.mos.createUser({ id: 'u', name: 'U' });
    await a.mos.createCube({ userId: 'u', id: 'c', name: 'C' });
    const failing = async () => {
      throw new Error('vector store down (fault injected)');
    };
    vector.interceptNext('upsert', failing);
    const [changed] = (await a.mos.add({ userId: 'u', cubeId: 'c', text: 'my cat is called Miso' })).items;
    vector.interceptNext('upsert', failing);
    const [deleted] = (await a.mos.add({ userId: 'u', cubeId: 'c', text: 'the safe code is 4711' })).items;
    expect([changed?.vectorSyncState, deleted?.vectorSyncState]).toStrictEqual(['failed', 'failed']);
    // The repair embeds both items; before its upsert lands, runtime b changes one and deletes the other.
    vector.interceptNext('upsert', async () => {
      await b.mos.update({ userId: 'u', id: changed!.id, text: 'my dog is called Pretzel' });
      await b.mos.delete({ userId: 'u', id: deleted!.id });
    });
    const [report] = await a.mos.repair({ userId: 'u' });
    expect(vector.armed).toBe(0);
    expect(report).toMatchObject({ stillFailing: 0 });
    const stored = await a.mos.vector.get({ space: a.mos.embedder, ids: [changed!.id, deleted!.id] });
    expect(stored.map((r) => r.id)).toStrictEqual([changed!.id]);
    const [expected] = await a.mos.embedder.embed(['my dog is called Pretzel']);
    expect(stored[0]!.vector.every((x, i) => Math.abs(x - (expected?.[i] ?? Number.NaN)) < 1e-5)).toBe(true);
    const item = await a.mos.get({ userId: 'u', id: changed!.id });
    expect([item.version, item.vectorSyncState]).toStrictEqual([2, 'synced']);
  });
});
