import type { MemOS } from '../mos.ts';
import type { ConflictRetryOptions } from '../memory/textual/with-item-retry.ts';

// Shared by the concurrency tests of the core (several runtimes, on one SQLite file or one Neo4j
// namespace, and child processes): writers that update the same items at once, and the check that
// no acknowledged update was lost.

/** One update a writer's runtime acknowledged (the returned item's version and text). */
export interface AcknowledgedUpdate {
  id: string;
  version: number;
  text: string;
}

/** What one writer did. */
export interface UpdateWriterReport {
  acknowledged: AcknowledgedUpdate[];
  /** Updates that failed with a `ConflictError` after the runtime's retries. */
  conflicts: number;
  /** Any other failure, as `code: message`. */
  failures: string[];
}

/** A counter to pass as `conflictRetry.onRetry` (how often a runtime re-read and re-applied a change). */
export function countRetries(options: ConflictRetryOptions = {}): ConflictRetryOptions & { retries: () => number } {
  let retries = 0;
  return { ...options, onRetry: () => void (retries += 1), retries: () => retries };
}

/**
 * Updates every item `rounds` times through `mos` (each round: all items at once), with texts
 * unique to this writer, round and item, and reports what was acknowledged.
 */
export async function runItemUpdates(options: { mos: MemOS; userId: string; ids: string[]; rounds: number; writer: string }): Promise<UpdateWriterReport> {
  const report: UpdateWriterReport = { acknowledged: [], conflicts: 0, failures: [] };
  for (let round = 0; round < options.rounds; round += 1) {
    await Promise.all(
      options.ids.map(async (id) => {
        const text = `${options.writer} wrote round ${round} of ${id}`;
        try {
          const item = await options.mos.update({ userId: options.userId, id, text });
          report.acknowledged.push({ id, version: item.version, text: item.text });
        } catch (error) {
          const { code, message } = error as { code?: string; message?: string };
          if (code === 'MEMOS_CONFLICT') report.conflicts += 1;
          else report.failures.push(`${code ?? 'unknown'}: ${message ?? String(error)}`);
        }
      }),
    );
  }
  return report;
}

/**
 * Problems found in the items' histories after concurrent writers (empty when none): versions
 * must run 1..n without gaps or duplicates, n = 1 + the updates acknowledged by all writers, each
 * acknowledged version must hold its writer's text, the item must be at its last version, and its
 * stored vector must be the embedding of its current text (no stale vector).
 */
export async function findLostUpdates(options: { mos: MemOS; userId: string; ids: string[]; acknowledged: AcknowledgedUpdate[] }): Promise<string[]> {
  const { mos, userId } = options;
  const problems: string[] = [];
  const vectors = new Map((await mos.vector.get({ space: mos.embedder, ids: options.ids })).map((record) => [record.id, record.vector]));
  for (const id of options.ids) {
    const history = await mos.history({ userId, id });
    const versions = history.map((v) => v.version);
    const expected = Array.from({ length: history.length }, (_, i) => i + 1);
    if (JSON.stringify(versions) !== JSON.stringify(expected)) problems.push(`${id}: versions ${versions.join(',')} are not 1..${history.length}`);
    const acks = options.acknowledged.filter((ack) => ack.id === id);
    if (history.length !== acks.length + 1) problems.push(`${id}: ${history.length} versions for ${acks.length} acknowledged updates (+1 create)`);
    const byVersion = new Map<number, AcknowledgedUpdate>();
    for (const ack of acks) {
      const twice = byVersion.get(ack.version);
      if (twice) problems.push(`${id}: version ${ack.version} acknowledged twice ("${twice.text}" and "${ack.text}")`);
      byVersion.set(ack.version, ack);
      const stored = history.find((v) => v.version === ack.version);
      if (stored?.snapshot.text !== ack.text) problems.push(`${id}: version ${ack.version} holds "${stored?.snapshot.text}", acknowledged "${ack.text}"`);
    }
    const item = await mos.get({ userId, id });
    const last = history.at(-1);
    if (item.version !== last?.version || item.text !== last.snapshot.text) problems.push(`${id}: item at ${item.version} "${item.text}" is not its last version`);
    const [embedded] = await mos.embedder.embed([item.text]);
    const vector = vectors.get(id);
    if (!vector || !embedded || vector.some((x, i) => Math.abs(x - (embedded[i] ?? Number.NaN)) > 1e-5)) problems.push(`${id}: stored vector is not the embedding of "${item.text}"`);
  }
  return problems;
}
