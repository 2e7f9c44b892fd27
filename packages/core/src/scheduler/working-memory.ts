import { ValidationError } from '../errors/validation-error.ts';
import type { MemoryItem } from '../spec/memory-item.ts';
import type { WorkingMemoryEntry, WorkingMemorySnapshot } from '../spec/scheduler.ts';

/** Weights of the working-memory policy score (see {@link WorkingMemory}). */
export interface WorkingMemoryWeights {
  /** Relevance to the recent queries. Default 0.6. */
  relevance: number;
  /** Recency of the last time the item was retrieved. Default 0.25. */
  recency: number;
  /** Access frequency (turns in which it was retrieved). Default 0.15. */
  frequency: number;
}

/** Options of {@link WorkingMemory}. */
export interface WorkingMemoryOptions {
  /** Most entries, pinned ones included. Default 20. */
  capacity?: number;
  weights?: Partial<WorkingMemoryWeights>;
  /** Each turn, an entry's relevance is multiplied by this (older queries count less). Default 0.5. */
  relevanceDecay?: number;
  /** Turns after which recency halves. Default 5. */
  recencyHalfLifeTurns?: number;
  /** Frequency saturation: frequency = hits / (hits + this). Default 3. */
  frequencySaturation?: number;
}

export const DEFAULT_WORKING_MEMORY_WEIGHTS: WorkingMemoryWeights = { relevance: 0.6, recency: 0.25, frequency: 0.15 };

/** One retrieved candidate: the item and its search score. */
export interface WorkingMemoryCandidate {
  item: MemoryItem;
  score: number;
}

interface Entry {
  item: MemoryItem;
  relevance: number;
  lastTurn: number;
  hits: number;
  /** Admission order (the layout of unpinned entries). */
  seq: number;
  /** Pin order, when pinned. */
  pinSeq: number | undefined;
}

/** What an update changed. */
export interface WorkingMemoryChange {
  version: number;
  added: string[];
  removed: string[];
}

/**
 * The working memory of one session: a small set of items kept ready for the next turn.
 *
 * **Policy.** Each entry has a score
 * `score = w_rel · relevance + w_rec · recency + w_freq · frequency` (defaults 0.6 / 0.25 / 0.15), where
 * - `relevance` ∈ [0, 1]: the item's hybrid-search score in the turn's results divided by the best
 *   score of those results; each turn it decays (× `relevanceDecay`, default 0.5) and a new hit
 *   raises it to `max(decayed, new)`, so the recent queries count most;
 * - `recency` = 0.5^(turns since the item was last retrieved / `recencyHalfLifeTurns` (5));
 * - `frequency` = hits / (hits + 3), hits = turns in which the item was retrieved in this session.
 *
 * Over `capacity` (default 20), the lowest-scoring unpinned entry is evicted (ties: the greater id
 * goes); pinned entries are never evicted. **Layout:** pinned entries first in pin order, then the
 * others in admission order, so scores changing does not reorder the block: `version` increments
 * only when the set or the order changes (admission, eviction, pin, unpin, removal), which keeps
 * the middleware's stable block byte-identical between such changes.
 */
export class WorkingMemory {
  readonly userId: string;
  readonly sessionId: string;
  readonly #capacity: number;
  readonly #w: WorkingMemoryWeights;
  readonly #decay: number;
  readonly #halfLife: number;
  readonly #saturation: number;
  readonly #entries = new Map<string, Entry>();
  /** Ids pinned before they were retrieved (pinned on admission). */
  #turn = 0;
  #seq = 0;
  #version = 0;

  constructor(userId: string, sessionId: string, options: WorkingMemoryOptions = {}) {
    this.userId = userId;
    this.sessionId = sessionId;
    const capacity = options.capacity ?? 20;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1000) throw new ValidationError('workingMemory.capacity', 'must be an integer from 1 to 1000');
    this.#capacity = capacity;
    this.#w = { ...DEFAULT_WORKING_MEMORY_WEIGHTS, ...options.weights };
    for (const [name, value] of Object.entries(this.#w)) {
      if (!(Number.isFinite(value) && value >= 0)) throw new ValidationError(`workingMemory.weights.${name}`, 'must be a finite number >= 0');
    }
    this.#decay = options.relevanceDecay ?? 0.5;
    if (!(this.#decay >= 0 && this.#decay <= 1)) throw new ValidationError('workingMemory.relevanceDecay', 'must be between 0 and 1');
    this.#halfLife = options.recencyHalfLifeTurns ?? 5;
    if (!(this.#halfLife > 0)) throw new ValidationError('workingMemory.recencyHalfLifeTurns', 'must be > 0');
    this.#saturation = options.frequencySaturation ?? 3;
    if (!(this.#saturation > 0)) throw new ValidationError('workingMemory.frequencySaturation', 'must be > 0');
  }

  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#entries.size;
  }

  get turn(): number {
    return this.#turn;
  }

  /** Whether the item is in the working memory. */
  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /**
   * Applies one turn's retrieval: decays relevance, admits or refreshes the candidates, evicts
   * over capacity. `weight` scales the candidates' relevance (e.g. 0.5 for hits of the answer).
   */
  observe(groups: readonly { candidates: readonly WorkingMemoryCandidate[]; weight?: number }[]): WorkingMemoryChange {
    const before = this.#layoutKey();
    const beforeIds = new Set(this.#entries.keys());
    this.#turn += 1;
    for (const entry of this.#entries.values()) entry.relevance *= this.#decay;
    const seen = new Set<string>();
    for (const group of groups) {
      const best = Math.max(0, ...group.candidates.map((c) => c.score));
      const weight = group.weight ?? 1;
      // Deterministic admission order: by score, then id.
      const sorted = [...group.candidates].sort((a, b) => b.score - a.score || compare(a.item.id, b.item.id));
      for (const { item, score } of sorted) {
        const relevance = best > 0 ? (Math.max(0, score) / best) * weight : 0;
        let entry = this.#entries.get(item.id);
        if (entry === undefined) {
          this.#seq += 1;
          entry = { item, relevance: 0, lastTurn: this.#turn, hits: 0, seq: this.#seq, pinSeq: undefined };
          this.#entries.set(item.id, entry);
        }
        entry.item = item;
        entry.relevance = Math.max(entry.relevance, relevance);
        entry.lastTurn = this.#turn;
        if (!seen.has(item.id)) entry.hits += 1;
        seen.add(item.id);
      }
    }
    this.#evict();
    return this.#changed(before, beforeIds);
  }

  /** Pins an item (added when missing; over capacity, the lowest unpinned entry goes). */
  pin(item: MemoryItem): WorkingMemoryChange {
    const before = this.#layoutKey();
    const beforeIds = new Set(this.#entries.keys());
    let entry = this.#entries.get(item.id);
    if (entry === undefined) {
      this.#seq += 1;
      entry = { item, relevance: 0, lastTurn: this.#turn, hits: 0, seq: this.#seq, pinSeq: undefined };
      this.#entries.set(item.id, entry);
    }
    if (entry.pinSeq === undefined) {
      const pinned = [...this.#entries.values()].filter((e) => e.pinSeq !== undefined).length;
      if (pinned >= this.#capacity) {
        if (!beforeIds.has(item.id)) this.#entries.delete(item.id);
        throw new ValidationError('pin', `the working memory holds ${this.#capacity} pinned items already (its capacity)`);
      }
      this.#seq += 1;
      entry.pinSeq = this.#seq;
    }
    this.#evict();
    return this.#changed(before, beforeIds);
  }

  /** Unpins an item (it stays, scored like the others, and may be evicted later). */
  unpin(id: string): WorkingMemoryChange {
    const before = this.#layoutKey();
    const beforeIds = new Set(this.#entries.keys());
    const entry = this.#entries.get(id);
    if (entry !== undefined) entry.pinSeq = undefined;
    this.#evict();
    return this.#changed(before, beforeIds);
  }

  /** Drops items (forgotten, deleted or no longer readable). */
  remove(ids: Iterable<string>): WorkingMemoryChange {
    const before = this.#layoutKey();
    const beforeIds = new Set(this.#entries.keys());
    for (const id of ids) this.#entries.delete(id);
    return this.#changed(before, beforeIds);
  }

  /** Drops every item of these cubes. */
  removeCubes(cubeIds: readonly string[]): WorkingMemoryChange {
    const cubes = new Set(cubeIds);
    return this.remove([...this.#entries.values()].filter((e) => cubes.has(e.item.cubeId)).map((e) => e.item.id));
  }

  /** Ids of the entries whose items belong to `ownerId`. */
  idsOwnedBy(ownerId: string): string[] {
    return [...this.#entries.values()].filter((e) => e.item.ownerId === ownerId).map((e) => e.item.id);
  }

  /** The policy score of an entry now. */
  score(id: string): number {
    const entry = this.#entries.get(id);
    return entry === undefined ? 0 : this.#score(entry);
  }

  /** The entries in layout order (pinned first, in pin order; then admission order). */
  snapshot(): WorkingMemorySnapshot {
    return {
      userId: this.userId,
      sessionId: this.sessionId,
      version: this.#version,
      entries: this.#ordered().map((e): WorkingMemoryEntry => ({ item: e.item, score: round(this.#score(e)), pinned: e.pinSeq !== undefined })),
    };
  }

  /** Ids in layout order. */
  ids(): string[] {
    return this.#ordered().map((e) => e.item.id);
  }

  #score(e: Entry): number {
    const recency = 0.5 ** ((this.#turn - e.lastTurn) / this.#halfLife);
    const frequency = e.hits / (e.hits + this.#saturation);
    return this.#w.relevance * e.relevance + this.#w.recency * recency + this.#w.frequency * frequency;
  }

  #ordered(): Entry[] {
    return [...this.#entries.values()].sort((a, b) => {
      if (a.pinSeq !== undefined || b.pinSeq !== undefined) {
        if (a.pinSeq === undefined) return 1;
        if (b.pinSeq === undefined) return -1;
        return a.pinSeq - b.pinSeq;
      }
      return a.seq - b.seq;
    });
  }

  #evict(): void {
    while (this.#entries.size > this.#capacity) {
      let worst: Entry | undefined;
      let worstScore = Infinity;
      for (const entry of this.#entries.values()) {
        if (entry.pinSeq !== undefined) continue;
        const s = this.#score(entry);
        if (s < worstScore || (s === worstScore && worst !== undefined && compare(entry.item.id, worst.item.id) > 0)) {
          worst = entry;
          worstScore = s;
        }
      }
      if (worst === undefined) return;
      this.#entries.delete(worst.item.id);
    }
  }

  #layoutKey(): string {
    return this.#ordered().map((e) => `${e.pinSeq !== undefined ? 'p' : ''}${e.item.id}`).join('\n');
  }

  #changed(before: string, beforeIds: Set<string>): WorkingMemoryChange {
    const added = [...this.#entries.keys()].filter((id) => !beforeIds.has(id)).sort();
    const removed = [...beforeIds].filter((id) => !this.#entries.has(id)).sort();
    if (this.#layoutKey() !== before) this.#version += 1;
    return { version: this.#version, added, removed };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
