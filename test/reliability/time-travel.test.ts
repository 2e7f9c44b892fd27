/**
 * Bi-temporal history and TTL, property-based (issue 9, defects 7 and 8): random histories of
 * add / update / pin / TTL change / invalidate / delete / rollback / sweep at random clock steps
 * (an injected `now`), then `getAll` and `search` at random `asOf` / `knownAt`, compared with a
 * pure reference model (support/time-travel-oracle.ts): ids, text and status of every answer,
 * and the same accepted/rejected verdict for every change. On SQLite and on Neo4j + Chroma.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import fc from 'fast-check';
import { MemosError, type MemOS } from '@memos-js/core';
import { ModelRejection, TimeTravelModel } from './support/time-travel-oracle.ts';
import { reliabilityScale, reliabilitySeed } from './support/reliability-scale.ts';
import { openReliabilityStore, RELIABILITY_BACKENDS, type ReliabilityStore } from './support/reliability-store.ts';

const WORDS = ['apple', 'river', 'stone', 'cloud', 'piano', 'garden', 'violet', 'copper'];
const ANCIENT = '1990-01-01T00:00:00.000Z';

type Op =
  | { kind: 'add'; words: number[]; ttl?: number; pinned?: boolean; chat?: number }
  | { kind: 'update'; target: number; words: number[] }
  | { kind: 'ttl'; target: number; ttl: number | null }
  | { kind: 'pin'; target: number; pinned: boolean }
  | { kind: 'invalidate'; target: number; back: number }
  | { kind: 'delete'; target: number }
  | { kind: 'rollback'; target: number; version: number }
  | { kind: 'sweep' }
  | { kind: 'query'; asOf?: number | 'ancient'; knownAt?: number | 'ancient'; search: boolean };

interface Step {
  /** Seconds the clock moves before the operation (0: same millisecond as the previous one). */
  advance: number;
  op: Op;
}

const words = fc.array(fc.nat({ max: WORDS.length - 1 }), { minLength: 1, maxLength: 3 });
const target = fc.nat({ max: 50 });
// Mostly instants inside the history (it spans ~20 s), sometimes 1990.
const instant = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -20, max: 2 }) }, { weight: 1, arbitrary: fc.constant<'ancient'>('ancient') });
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), words, ttl: fc.option(fc.integer({ min: -2, max: 8 }), { nil: undefined }), pinned: fc.option(fc.boolean(), { nil: undefined }), chat: fc.option(fc.integer({ min: -30, max: 5 }), { nil: undefined }) }, { requiredKeys: ['kind', 'words'] }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('update' as const), target, words }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ttl' as const), target, ttl: fc.option(fc.integer({ min: -2, max: 8 }), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pin' as const), target, pinned: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('invalidate' as const), target, back: fc.integer({ min: 0, max: 10 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), target }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rollback' as const), target, version: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
  {
    weight: 5,
    arbitrary: fc.record(
      { kind: fc.constant('query' as const), asOf: fc.option(instant, { nil: undefined, freq: 2 }), knownAt: fc.option(instant, { nil: undefined, freq: 3 }), search: fc.boolean() },
      { requiredKeys: ['kind', 'search'] },
    ),
  },
);
const historyArbitrary = fc.array(fc.record({ advance: fc.integer({ min: 0, max: 3 }), op: opArbitrary }), { minLength: 8, maxLength: 28 });

const urls = () => ({ neo4jUrl: inject('neo4jUrl'), chromaUrl: inject('chromaUrl') });
const stores: ReliabilityStore[] = [];
afterAll(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

/** Runs one history through the MOS and the model; throws (with the step) on the first disagreement. */
async function runHistory(mos: MemOS, clock: { ms: number }, run: number, steps: Step[]): Promise<{ queries: number; changes: number; pastDiffers: number; swept: number }> {
  const userId = `tt-user-${run}`;
  const cubeId = `tt-cube-${run}`;
  await mos.createUser({ id: userId, name: userId });
  await mos.createCube({ userId, id: cubeId, name: cubeId });
  const model = new TimeTravelModel();
  const iso = (offsetSeconds = 0) => new Date(clock.ms + offsetSeconds * 1000).toISOString();
  const pick = (index: number) => {
    const ids = model.ids;
    return ids.length === 0 ? undefined : ids[index % ids.length];
  };
  let queries = 0;
  let changes = 0;
  let pastDiffers = 0;
  let swept = 0;
  for (const [index, { advance, op }] of steps.entries()) {
    clock.ms += advance * 1000;
    const now = iso();
    const label = `step ${index} ${JSON.stringify(op)} at ${now}`;
    if (op.kind === 'query') {
      const at = (value: number | 'ancient' | undefined) => (value === undefined ? undefined : value === 'ancient' ? ANCIENT : iso(value));
      const asOf = at(op.asOf);
      const knownAt = at(op.knownAt);
      const expected = model.query({ now, ...(asOf ? { asOf } : {}), ...(knownAt ? { knownAt } : {}) });
      if (knownAt !== undefined && expected.length > 0 && JSON.stringify(expected) !== JSON.stringify(model.query({ now, ...(asOf ? { asOf } : {}), knownAt: now }))) pastDiffers += 1;
      const travel = { ...(asOf ? { asOf } : {}), ...(knownAt ? { knownAt } : {}) };
      if (op.search) {
        const result = await mos.search({ userId, cubeIds: [cubeId], query: 'zebra', topK: 200, ...travel });
        const got = result.hits.map(({ item }) => ({ id: item.id, text: item.text, status: item.status })).sort(byId);
        expect(got, `search ${label}`).toStrictEqual([...expected].sort(byId));
      } else {
        const { items, total } = await mos.getAll({ userId, cubeIds: [cubeId], filter: travel, limit: 1_000 });
        expect(items.map((item) => ({ id: item.id, text: item.text, status: item.status })), `getAll ${label}`).toStrictEqual(expected);
        expect(total, `getAll total ${label}`).toBe(expected.length);
      }
      queries += 1;
      continue;
    }
    if (op.kind === 'sweep') {
      const expectedCount = model.sweep(now);
      const report = await mos.sweep({ userId });
      expect(report.expired, `sweep ${label}`).toBe(expectedCount);
      swept += expectedCount;
      changes += 1;
      continue;
    }
    if (op.kind === 'add') {
      const text = `zebra ${op.words.map((w) => WORDS[w]).join(' ')} r${run}s${index}`;
      const extra = { ...(op.ttl !== undefined ? { expiresAt: iso(op.ttl) } : {}), ...(op.pinned !== undefined ? { pinned: op.pinned } : {}) };
      const chatTime = op.chat === undefined ? undefined : iso(op.chat);
      const { items } =
        chatTime === undefined
          ? await mos.add({ userId, cubeId, text, ...extra })
          : await mos.add({ userId, cubeId, messages: [{ role: 'user', content: text, time: chatTime }], ...extra });
      const item = items[0]!;
      const state = model.add({ id: item.id, text, at: now, ...(chatTime ? { chatTime } : {}), ...extra });
      expect({ text: item.text, validAt: item.validAt, createdAt: item.createdAt, expiresAt: item.expiresAt, pinned: item.pinned }, `add ${label}`).toStrictEqual({
        text: state.text, validAt: state.validAt, createdAt: state.createdAt, expiresAt: state.expiresAt, pinned: state.pinned,
      });
      changes += 1;
      continue;
    }
    const id = pick(op.target);
    if (id === undefined) continue;
    let modelOutcome: 'ok' | 'rejected' = 'ok';
    const apply = (change: () => void) => {
      try {
        change();
      } catch (error) {
        if (!(error instanceof ModelRejection)) throw error;
        modelOutcome = 'rejected';
      }
    };
    let call: () => Promise<unknown>;
    switch (op.kind) {
      case 'update': {
        const text = `zebra ${op.words.map((w) => WORDS[w]).join(' ')} r${run}s${index}u`;
        apply(() => model.update(id, now, { text }));
        call = () => mos.update({ userId, id, text });
        break;
      }
      case 'ttl': {
        const expiresAt = op.ttl === null ? null : iso(op.ttl);
        apply(() => model.update(id, now, { expiresAt }));
        call = () => mos.update({ userId, id, expiresAt });
        break;
      }
      case 'pin':
        apply(() => model.update(id, now, { pinned: op.pinned }));
        call = () => mos.update({ userId, id, pinned: op.pinned });
        break;
      case 'invalidate': {
        const invalidAt = iso(-op.back);
        apply(() => model.invalidate(id, now, invalidAt));
        call = () => mos.invalidate({ userId, id, invalidAt });
        break;
      }
      case 'delete':
        apply(() => model.delete(id, now));
        call = () => mos.delete({ userId, id });
        break;
      case 'rollback':
        apply(() => model.rollback(id, now, op.version));
        call = () => mos.rollback({ userId, id, version: op.version });
        break;
    }
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error !== undefined && !MemosError.isInstance(error)) throw error;
    const outcome = error === undefined ? 'ok' : 'rejected';
    expect(outcome, `${label}: ${String(error)}`).toBe(modelOutcome);
    if (outcome === 'ok') changes += 1;
  }
  return { queries, changes, pastDiffers, swept };
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

for (const backend of RELIABILITY_BACKENDS) {
  describe.sequential(`time travel and TTL on ${backend}`, () => {
    it('search and getAll at any asOf / knownAt agree with the reference model on random histories', async () => {
      const store = openReliabilityStore({ backend, urls: urls(), label: 'tt' });
      stores.push(store);
      const clock = { ms: Date.parse('2030-01-01T00:00:00.000Z') };
      const mos = await store.open({ now: () => new Date(clock.ms), vectorRetry: false });
      let run = 0;
      const totals = { queries: 0, changes: 0, pastDiffers: 0, swept: 0 };
      await fc.assert(
        fc.asyncProperty(historyArbitrary, async (steps) => {
          run += 1;
          clock.ms += 10_000_000; // each history in its own cube, far from the previous one
          const stats = await runHistory(mos, clock, run, steps);
          for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += stats[key];
        }),
        { seed: reliabilitySeed(), numRuns: Math.round((backend === 'sqlite' ? 40 : 8) * reliabilityScale()) },
      );
      // The histories must exercise what is tested: past answers that differ from today's, and sweeps that expire items.
      console.log(`time travel on ${backend}: ${JSON.stringify(totals)}`);
      expect(totals.queries).toBeGreaterThan(20);
      expect(totals.changes).toBeGreaterThan(20);
      expect(totals.pastDiffers).toBeGreaterThan(0);
      expect(totals.swept).toBeGreaterThan(0);
    }, 240_000);
  });
}
