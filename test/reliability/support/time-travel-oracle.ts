/**
 * A small pure reference model of bi-temporal memory (issue 9, defects 7 and 8): items with their
 * full version history in system time, world-time validity and TTL, and what `search`/`getAll`
 * must return for any `asOf` / `knownAt` / now. The time-travel property test runs random
 * histories through the MOS and this model and compares every answer (ids, text, status).
 *
 * Semantics (what the model defines):
 * - Every change is a version recorded at the clock's instant; the version *known at* K is the
 *   item's highest version with `at <= K`. Without `knownAt`, the current version.
 * - Statuses: default `active`; with `asOf` or `knownAt`, every status except `deleted`.
 * - `asOf` T: `(validAt, else createdAt) <= T < invalidAt` (a missing `invalidAt` is open).
 *   `validAt` defaults to the message's chat time, else the creation time.
 * - TTL: when the statuses leave out `expired`, an item whose `expiresAt <= (knownAt ?? now)` is
 *   left out unless pinned, swept or not. `sweep` moves such items (active, archived, invalidated,
 *   merged) to `expired` with `expiredAt = now`.
 */

export type ModelStatus = 'active' | 'invalidated' | 'expired' | 'deleted';

/** The part of an item the model tracks. */
export interface ModelState {
  text: string;
  status: ModelStatus;
  createdAt: string;
  validAt: string;
  invalidAt?: string;
  expiresAt?: string;
  expiredAt?: string;
  pinned?: boolean;
}

interface ModelVersion {
  version: number;
  at: string;
  state: ModelState;
}

interface ModelItem {
  id: string;
  versions: ModelVersion[];
}

/** A rejected operation (the MOS must throw too). */
export class ModelRejection extends Error {}

const TIME_TRAVEL_STATUSES: readonly ModelStatus[] = ['active', 'invalidated', 'expired'];

/** One expected result row. */
export interface ExpectedRow {
  id: string;
  text: string;
  status: ModelStatus;
}

export class TimeTravelModel {
  readonly #items: ModelItem[] = [];

  /** Ids in creation order. */
  get ids(): string[] {
    return this.#items.map((item) => item.id);
  }

  /** Current state of an item. */
  current(id: string): ModelState {
    return this.#latest(this.#item(id)).state;
  }

  /** Number of versions of an item. */
  versions(id: string): number {
    return this.#item(id).versions.length;
  }

  add(input: { id: string; text: string; at: string; chatTime?: string; expiresAt?: string; pinned?: boolean }): ModelState {
    const state: ModelState = { text: input.text, status: 'active', createdAt: input.at, validAt: input.chatTime ?? input.at };
    if (input.expiresAt !== undefined) state.expiresAt = input.expiresAt;
    if (input.pinned !== undefined) state.pinned = input.pinned;
    this.#items.push({ id: input.id, versions: [{ version: 1, at: input.at, state }] });
    return state;
  }

  update(id: string, at: string, patch: { text?: string; expiresAt?: string | null; pinned?: boolean }): void {
    const before = this.current(id);
    if (before.status === 'deleted') throw new ModelRejection('update of a deleted item');
    const after: ModelState = { ...before };
    if (patch.text !== undefined) after.text = patch.text;
    if (patch.expiresAt === null) delete after.expiresAt;
    else if (patch.expiresAt !== undefined) after.expiresAt = patch.expiresAt;
    if (patch.pinned !== undefined) after.pinned = patch.pinned;
    this.#push(id, at, after);
  }

  invalidate(id: string, at: string, invalidAt: string): void {
    const before = this.current(id);
    if (before.status === 'deleted' || before.status === 'invalidated') throw new ModelRejection(`invalidate of a ${before.status} item`);
    if (invalidAt < before.validAt) throw new ModelRejection('invalidAt before validAt');
    this.#push(id, at, { ...before, status: 'invalidated', invalidAt });
  }

  delete(id: string, at: string): void {
    const before = this.current(id);
    if (before.status === 'deleted') throw new ModelRejection('delete of a deleted item');
    this.#push(id, at, { ...before, status: 'deleted', expiredAt: at });
  }

  rollback(id: string, at: string, version: number): void {
    const item = this.#item(id);
    const target = item.versions.find((v) => v.version === version);
    if (target === undefined || version === this.#latest(item).version) throw new ModelRejection('rollback to a missing or the current version');
    this.#push(id, at, { ...target.state, createdAt: this.current(id).createdAt });
  }

  /** The TTL sweep at `at`; returns how many items expired. */
  sweep(at: string): number {
    let expired = 0;
    for (const item of this.#items) {
      const state = this.#latest(item).state;
      if (state.status === 'deleted' || state.status === 'expired' || state.pinned === true) continue;
      if (state.expiresAt === undefined || state.expiresAt > at) continue;
      this.#push(item.id, at, { ...state, status: 'expired', expiredAt: at });
      expired += 1;
    }
    return expired;
  }

  /** What `getAll` / an all-matching `search` must return, in `getAll` order (createdAt, then id). */
  query(input: { now: string; asOf?: string; knownAt?: string }): ExpectedRow[] {
    const travelling = input.asOf !== undefined || input.knownAt !== undefined;
    const statuses: readonly ModelStatus[] = travelling ? TIME_TRAVEL_STATUSES : ['active'];
    const ttlAt = statuses.includes('expired') ? undefined : (input.knownAt ?? input.now);
    const rows: (ExpectedRow & { createdAt: string })[] = [];
    for (const item of this.#items) {
      const version = input.knownAt === undefined ? this.#latest(item) : this.#knownAt(item, input.knownAt);
      if (version === undefined) continue;
      const s = version.state;
      if (!statuses.includes(s.status)) continue;
      if (input.asOf !== undefined && !(s.validAt <= input.asOf && (s.invalidAt === undefined || s.invalidAt > input.asOf))) continue;
      if (ttlAt !== undefined && s.pinned !== true && s.expiresAt !== undefined && s.expiresAt <= ttlAt) continue;
      rows.push({ id: item.id, text: s.text, status: s.status, createdAt: s.createdAt });
    }
    return rows
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(({ id, text, status }) => ({ id, text, status }));
  }

  #knownAt(item: ModelItem, knownAt: string): ModelVersion | undefined {
    let best: ModelVersion | undefined;
    for (const v of item.versions) if (v.at <= knownAt && (best === undefined || v.version > best.version)) best = v;
    return best;
  }

  #push(id: string, at: string, state: ModelState): void {
    const item = this.#item(id);
    item.versions.push({ version: this.#latest(item).version + 1, at, state });
  }

  #latest(item: ModelItem): ModelVersion {
    return item.versions[item.versions.length - 1] as ModelVersion;
  }

  #item(id: string): ModelItem {
    const item = this.#items.find((entry) => entry.id === id);
    if (item === undefined) throw new Error(`model: unknown item ${id}`);
    return item;
  }
}
