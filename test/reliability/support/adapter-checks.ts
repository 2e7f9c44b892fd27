/**
 * The checks of the adapter-isolation property, run on every adapter call: the leak scan of its
 * result or error ({@link IsolationWorld.leaks}), typed errors only, a call on a hidden item or
 * cube behaving exactly like the same call on an unknown one (same outcome kind, same error code),
 * and, after a call that may write, no change in a cube the actor may not write.
 */
import { MEMORY_STATUSES, MemosError, type MemOS } from '@memos-js/core';
import type { IsolationWorld, Violation } from './isolation-world.ts';

/** What the runs did. */
export interface AdapterIsolationStats {
  sequences: number;
  operations: number;
  rejected: number;
  /** Calls per operation: accepted / rejected. */
  byOp: Record<string, { ok: number; rejected: number; ms?: number }>;
  violations: Violation[];
}

/** What one call did: `signature` is the outcome kind (`ok:<shape>` or `error:<code>`). */
export interface Outcome {
  ok: boolean;
  value?: unknown;
  signature: string;
}

const ALL_STATUSES = [...MEMORY_STATUSES];

/** The checks of one sequence. */
export class AdapterChecks {
  readonly #mos: MemOS;
  readonly #world: IsolationWorld;
  readonly #stats: AdapterIsolationStats;
  readonly #cubes: () => string[];

  /** `cubes`: the cubes a write might touch (checked after every call that may write). */
  constructor(options: { mos: MemOS; world: IsolationWorld; stats: AdapterIsolationStats; cubes: () => string[] }) {
    this.#mos = options.mos;
    this.#world = options.world;
    this.#stats = options.stats;
    this.#cubes = options.cubes;
  }

  /**
   * Runs `fn` as `actor` and scans its result or error. `given` is what the actor legitimately
   * knows (its query, the ids it passed); `twin` is the same call on an unknown id or cube, run
   * when the call names a hidden target: both must have the same outcome kind.
   */
  async call(op: string, actor: string, given: unknown, fn: () => Promise<unknown>, twin?: () => Promise<unknown>): Promise<Outcome> {
    const outcome = await this.attempt(op, actor, given, fn);
    if (twin) {
      const other = await this.attempt(`${op} (unknown twin)`, actor, given, twin);
      if (other.signature !== outcome.signature) {
        this.#stats.violations.push({ kind: 'existence-oracle', op, detail: `${actor} on ${JSON.stringify(given)}: hidden target gave ${outcome.signature}, an unknown one ${other.signature}`.slice(0, 400) });
      }
    }
    return outcome;
  }

  async attempt(op: string, actor: string, given: unknown, fn: () => Promise<unknown>): Promise<Outcome> {
    this.#stats.operations++;
    const counts = (this.#stats.byOp[op] ??= { ok: 0, rejected: 0 });
    const v = this.#stats.violations;
    const t0 = performance.now();
    try {
      const value = await fn();
      counts.ok++;
      counts.ms = (counts.ms ?? 0) + performance.now() - t0;
      v.push(...this.#world.leaks(actor, op, value, given));
      return { ok: true, value, signature: `ok:${outcomeShape(value)}` };
    } catch (error) {
      counts.ms = (counts.ms ?? 0) + performance.now() - t0;
      this.#stats.rejected++;
      counts.rejected++;
      const code = typedCode(error);
      if (code === undefined) v.push({ kind: 'untyped-error', op, detail: (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300) });
      v.push(...this.#world.leaks(actor, op, error, given));
      return { ok: false, signature: `error:${code ?? 'untyped'}` };
    }
  }

  /**
   * After a call that may write: every cube of the sequence (and the foreign ones) as its owner;
   * an item added or changed in a cube the actor may not write is an `unauthorized` violation.
   * Learns what the actor legitimately wrote. Returns the new or changed item ids.
   */
  async sync(op: string, actor: string): Promise<Map<string, string>> {
    const changed = new Map<string, string>();
    for (const cubeId of this.#cubes()) {
      const cube = this.#world.cube(cubeId);
      if (!cube) continue;
      const { items } = await this.#mos.getAll({ userId: cube.ownerId, cubeIds: [cubeId], filter: { statuses: ALL_STATUSES }, limit: 1_000 });
      for (const item of items) {
        const known = this.#world.items.get(item.id);
        if (known && known.version === item.version && known.status === item.status && known.cubeId === item.cubeId) continue;
        if (!this.#world.canWrite(actor, cubeId)) {
          this.#stats.violations.push({ kind: 'unauthorized', op, detail: `${actor} (may not write ${cubeId}) changed item ${item.id}: ${known ? `${known.status} v${known.version}` : 'new'} -> ${item.status} v${item.version}` });
        }
        changed.set(item.id, cubeId);
        this.#world.learnItem(item);
      }
    }
    return changed;
  }

  /** The ids an add reported must be items written to `cubeId`. */
  landed(op: string, ids: string[], cubeId: string): void {
    for (const id of ids) {
      const item = this.#world.items.get(id);
      if (item?.cubeId !== cubeId) this.#stats.violations.push({ kind: 'integrity', op, detail: `added item ${id} is in ${item?.cubeId ?? 'no cube'}, expected ${cubeId}` });
    }
  }
}

/** Whether the error or one of its causes is a `MemosError` (frameworks may wrap errors). */
function typedCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (MemosError.isInstance(e)) return e.code;
  }
  return undefined;
}

/** The kind of an outcome, to compare a call on a hidden target with the same call on an unknown one. */
function outcomeShape(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') {
    try {
      return outcomeShape(JSON.parse(value));
    } catch {
      return 'text';
    }
  }
  if (Array.isArray(value)) return value.length === 0 ? 'empty' : 'list';
  if (typeof value === 'object') {
    const error = (value as { error?: { code?: unknown } }).error;
    if (error && typeof error === 'object') return `error:${String(error.code)}`;
    return 'object';
  }
  return typeof value;
}
