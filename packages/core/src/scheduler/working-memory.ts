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
  /**
   * When the stable block (what `snapshot().entries` returns, what `version` counts) is rebuilt from
   * the current set: once the conversation (the turns' tokens) has grown to `rebuildGrowth` times its
   * size at the last rebuild. Default 2 (amortized doubling: rebuilding re-reads the history after the
   * block, so rebuilds cost at most about twice the history in total); 1 rebuilds on every change.
   */
  rebuildGrowth?: number;
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

/** What an update changed in the stable block (`added` / `removed` ids; empty when it was not rebuilt). */
export interface WorkingMemoryChange {
  version: number;
  added: string[];
  removed: string[];
  /** Whether the stable block changed (`version` moved). */
  changed: boolean;
}

/** One entry of the stable block as it was when the block was (re)built. */
interface BaseEntry {
  item: MemoryItem;
  pinned: boolean;
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
 * goes); pinned entries are never evicted.
 *
 * **Stable block.** The set is updated every turn, but what the middleware injects at the start of
 * the prompt — `snapshot().entries`, counted by `version` — is rebuilt from it only now and then,
 * because every rebuild makes a provider re-read the whole history after the block (a prompt-cache
 * miss, or a KV rebuild for local models). It is rebuilt when it is empty, on a pin, and otherwise
 * once the conversation has grown `rebuildGrowth` (2) times since the last rebuild (amortized
 * doubling); entries admitted meanwhile are `snapshot().pending` (they still reach the prompt
 * through the per-turn retrieval when relevant). Removed items (forgotten, deleted, unreadable) leave
 * the block at once. **Layout:** pinned entries first in pin order, then the others in admission
 * order, so a rebuild keeps the survivors' order; `version` increments exactly when the block changes.
 */
export class WorkingMemory {
  readonly userId: string;
  readonly sessionId: string;
  readonly #capacity: number;
  readonly #w: WorkingMemoryWeights;
  readonly #decay: number;
  readonly #halfLife: number;
  readonly #saturation: number;
  readonly #growth: number;
  readonly #entries = new Map<string, Entry>();
  /** The stable block, in layout order. */
  #base: BaseEntry[] = [];
  /** Conversation size (tokens of the turns observed) now and at the last rebuild. */
  #historyTokens = 0;
  #historyAtRebuild = 0;
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
    this.#growth = options.rebuildGrowth ?? 2;
    if (!(Number.isFinite(this.#growth) && this.#growth >= 1 && this.#growth <= 100)) throw new ValidationError('workingMemory.rebuildGrowth', 'must be a number from 1 to 100');
  }

  /** Version of the stable block. */
  get version(): number {
    return this.#version;
  }

  /** Entries in the set (stable block or pending). */
  get size(): number {
    return this.#entries.size;
  }

  get turn(): number {
    return this.#turn;
  }

  /** Whether the item is in the set. */
  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /**
   * Applies one turn's retrieval: decays relevance, admits or refreshes the candidates, evicts
   * over capacity, then rebuilds the stable block when due. `weight` scales the candidates'
   * relevance (e.g. 0.5 for hits of the answer); `turnTokens` is the size of the turn (query and
   * answer) the conversation grew by.
   */
  observe(groups: readonly { candidates: readonly WorkingMemoryCandidate[]; weight?: number }[], turn: { turnTokens?: number } = {}): WorkingMemoryChange {
    this.#turn += 1;
    const tokens = turn.turnTokens ?? 0;
    if (Number.isFinite(tokens) && tokens > 0) this.#historyTokens += tokens;
    for (const entry of this.#entries.values()) entry.relevance *= this.#decay;
    const seen = new Set<string>();
    for (const group of groups) {
      const best = Math.max(0, ...group.candidates.map((c) => c.score));
      const weight = group.weight ?? 1;
      // Deterministic admission order: by score, then id.
      const sorted = [...group.candidates].sort((a, b) => b.score - a.score || compare(a.item.id, b.item.id));
      for (const { item, score } of sorted) {
        const relevance = best > 0 ? (Math.max(0, score) / best) * weight : 0;
        const entry = this.#entries.get(item.id) ?? this.#admit(item);
        entry.item = item;
        entry.relevance = Math.max(entry.relevance, relevance);
        entry.lastTurn = this.#turn;
        if (!seen.has(item.id)) entry.hits += 1;
        seen.add(item.id);
      }
    }
    this.#evict();
    return this.#rebuild(this.#base.length === 0 || this.#historyTokens >= this.#growth * this.#historyAtRebuild);
  }

  /** Pins an item (added when missing; over capacity, the lowest unpinned entry goes) and rebuilds the stable block. */
  pin(item: MemoryItem): WorkingMemoryChange {
    const existed = this.#entries.has(item.id);
    const entry = this.#entries.get(item.id) ?? this.#admit(item);
    if (entry.pinSeq === undefined) {
      const pinned = [...this.#entries.values()].filter((e) => e.pinSeq !== undefined).length;
      if (pinned >= this.#capacity) {
        if (!existed) this.#entries.delete(item.id);
        throw new ValidationError('pin', `the working memory holds ${this.#capacity} pinned items already (its capacity)`);
      }
      this.#seq += 1;
      entry.pinSeq = this.#seq;
    }
    this.#evict();
    return this.#rebuild(true);
  }

  /** Unpins an item (it stays, scored like the others, and may be evicted later; the stable block follows at its next rebuild). */
  unpin(id: string): WorkingMemoryChange {
    const entry = this.#entries.get(id);
    if (entry !== undefined) entry.pinSeq = undefined;
    this.#evict();
    return this.#rebuild(false);
  }

  /** Drops items (forgotten, deleted or no longer readable) from the set and, at once, from the stable block. */
  remove(ids: Iterable<string>): WorkingMemoryChange {
    const drop = new Set(ids);
    for (const id of drop) this.#entries.delete(id);
    const removed = this.#base.filter((b) => drop.has(b.item.id)).map((b) => b.item.id).sort();
    if (removed.length === 0) return { version: this.#version, added: [], removed: [], changed: false };
    this.#base = this.#base.filter((b) => !drop.has(b.item.id));
    this.#version += 1;
    return { version: this.#version, added: [], removed, changed: true };
  }

  /** Drops every item of these cubes. */
  removeCubes(cubeIds: readonly string[]): WorkingMemoryChange {
    const cubes = new Set(cubeIds);
    return this.remove(this.#all().filter((item) => cubes.has(item.cubeId)).map((item) => item.id));
  }

  /** Ids of the items (set or stable block) that belong to `ownerId`. */
  idsOwnedBy(ownerId: string): string[] {
    return this.#all().filter((item) => item.ownerId === ownerId).map((item) => item.id);
  }

  /**
   * Replaces stable-block items by their current version (read back from the store); a block item
   * whose text or version changed bumps `version`, so the block's bytes change only with it.
   */
  refresh(items: readonly MemoryItem[]): WorkingMemoryChange {
    const byId = new Map(items.map((item) => [item.id, item]));
    let changed = false;
    this.#base = this.#base.map((b) => {
      const fresh = byId.get(b.item.id);
      if (fresh === undefined || (fresh.version === b.item.version && fresh.text === b.item.text)) return b;
      changed = true;
      return { ...b, item: fresh };
    });
    for (const entry of this.#entries.values()) entry.item = byId.get(entry.item.id) ?? entry.item;
    if (changed) this.#version += 1;
    return { version: this.#version, added: [], removed: [], changed };
  }

  /** The policy score of an entry now (0 when not in the set). */
  score(id: string): number {
    const entry = this.#entries.get(id);
    return entry === undefined ? 0 : this.#score(entry);
  }

  /**
   * The stable block (`entries`, in layout order) and the entries admitted since it was built
   * (`pending`). `pinned` and `score` are current (an unpinned entry keeps its place until the next rebuild).
   */
  snapshot(): WorkingMemorySnapshot {
    const inBase = new Set(this.#base.map((b) => b.item.id));
    return {
      userId: this.userId,
      sessionId: this.sessionId,
      version: this.#version,
      entries: this.#base.map((b): WorkingMemoryEntry => ({ item: b.item, score: round(this.score(b.item.id)), pinned: this.#entries.get(b.item.id)?.pinSeq !== undefined })),
      pending: this.#ordered().filter((e) => !inBase.has(e.item.id)).map((e): WorkingMemoryEntry => ({ item: e.item, score: round(this.#score(e)), pinned: e.pinSeq !== undefined })),
    };
  }

  /** Ids of the stable block, in layout order. */
  ids(): string[] {
    return this.#base.map((b) => b.item.id);
  }

  /** Ids of the whole set in layout order (what the next rebuild makes the stable block). */
  memberIds(): string[] {
    return this.#ordered().map((e) => e.item.id);
  }

  #admit(item: MemoryItem): Entry {
    this.#seq += 1;
    const entry: Entry = { item, relevance: 0, lastTurn: this.#turn, hits: 0, seq: this.#seq, pinSeq: undefined };
    this.#entries.set(item.id, entry);
    return entry;
  }

  #all(): MemoryItem[] {
    const items = new Map(this.#base.map((b) => [b.item.id, b.item]));
    for (const entry of this.#entries.values()) items.set(entry.item.id, entry.item);
    return [...items.values()];
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

  /** Makes the stable block the current set when `due` and they differ. */
  #rebuild(due: boolean): WorkingMemoryChange {
    const next = this.#ordered().map((e): BaseEntry => ({ item: e.item, pinned: e.pinSeq !== undefined }));
    const layout = (entries: BaseEntry[]) => entries.map((b) => `${b.pinned ? 'p' : ''}${b.item.id}`).join('\n');
    if (!due || layout(next) === layout(this.#base)) return { version: this.#version, added: [], removed: [], changed: false };
    const before = new Set(this.#base.map((b) => b.item.id));
    const after = new Set(next.map((b) => b.item.id));
    this.#base = next;
    this.#historyAtRebuild = this.#historyTokens;
    this.#version += 1;
    return {
      version: this.#version,
      added: [...after].filter((id) => !before.has(id)).sort(),
      removed: [...before].filter((id) => !after.has(id)).sort(),
      changed: true,
    };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
