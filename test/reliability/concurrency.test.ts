/**
 * Concurrency: 50 concurrent sessions adding, updating and searching in one runtime; two
 * processes on one SQLite file and two runtimes on one Neo4j namespace updating the same items.
 * Nothing may be lost, duplicated or torn: each item's versions run 1..n without gaps, n is one
 * more than the updates acknowledged, and the final text is the last acknowledged update.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { concurrentProcesses, concurrentRuntimes, concurrentSessions, type ConcurrencyReport } from './support/concurrency-cases.ts';
import { reliabilityScale } from './support/reliability-scale.ts';
import { openReliabilityStore, RELIABILITY_BACKENDS, type ReliabilityBackend, type ReliabilityStore } from './support/reliability-store.ts';

const stores: ReliabilityStore[] = [];
afterAll(async () => {
  for (const store of stores.splice(0)) await store.drop();
});

function store(backend: ReliabilityBackend): ReliabilityStore {
  const opened = openReliabilityStore({ backend, urls: { neo4jUrl: inject('neo4jUrl'), chromaUrl: inject('chromaUrl') }, sqlite: 'file', label: 'conc' });
  stores.push(opened);
  return opened;
}

function expectSound(report: ConcurrencyReport, minAcks: number): void {
  expect(report.problems.slice(0, 12), `${report.problems.length} problems; ${report.updatesAcknowledged} updates acknowledged, ${report.conflicts} conflicts, failures: ${report.failures.slice(0, 3).join(' | ')}`).toEqual([]);
  expect(report.failures.slice(0, 5), 'updates rejected with something other than ConflictError').toEqual([]);
  expect(report.updatesAcknowledged).toBeGreaterThanOrEqual(minAcks);
}

const scale = () => Math.max(1, Math.round(reliabilityScale()));

for (const backend of RELIABILITY_BACKENDS) {
  describe.sequential(`concurrency on ${backend}`, () => {
    it('50 concurrent sessions in one runtime add, update and search: nothing lost, duplicated or torn', async () => {
      const report = await concurrentSessions({ store: store(backend), sessions: 50, sharedItems: 10, rounds: scale(), updatesPerRound: 1, addsPerSession: 1 });
      expectSound(report, 50);
    }, 150_000);

    it('two runtimes on one store (in one process), 4 writers each, update the same items: versions 1..n, the last acknowledged update wins', async () => {
      const report = await concurrentRuntimes({ store: store(backend), runtimes: 2, writersPerRuntime: 4, items: 3, rounds: 3 * scale() });
      expectSound(report, 20);
    }, 150_000);
  });
}

describe('concurrency across processes', () => {
  it('two processes on one SQLite file update the same items: nothing lost, duplicated or torn', async () => {
    const report = await concurrentProcesses({ store: store('sqlite'), processes: 2, items: 3, rounds: 25 * scale() });
    expectSound(report, 20);
  }, 150_000);
});
