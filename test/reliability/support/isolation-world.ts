/**
 * The pure reference model of the tenant-isolation property: which cubes exist, who owns them,
 * who they are shared with, which items they hold and which marker words those items carry —
 * and the leak scanner that checks any result or error against "what may this actor read now".
 *
 * Every item text carries a unique marker word (`zmk<n>q`) and every item id has the form
 * `it<n>x` (the runtime's `newId` is injected), so a leak shows up as a marker or an id in the
 * serialized output of a call that the actor may not read at that moment.
 */
import { MemosError } from '@memos-js/core';

/** Grants (`share` — may also dump — is issue 9's; `read` < `write` < `share`). */
export type Access = 'read' | 'write' | 'share';

export interface ModelCube {
  id: string;
  ownerId: string;
  acl: Map<string, Access>;
  alive: boolean;
}

export interface ModelItem {
  id: string;
  cubeId: string;
  /** Marker words the item's texts (any version) carry. */
  markers: Set<string>;
  status: string;
  version: number;
  /** Removed for good (cube deleted, forgotten). */
  gone: boolean;
}

/** One broken guarantee. */
export interface Violation {
  kind: 'leak' | 'untyped-error' | 'existence-oracle' | 'unauthorized' | 'integrity';
  op: string;
  detail: string;
}

const MARKER = /zmk\d+q/g;
const ITEM_ID = /it\d+x/g;
const CUBE_ID = /\br\d+c\d+\b/g;

/** The model shared by every run on one store (runs use fresh users, so older runs' cubes stay foreign). */
export class IsolationWorld {
  readonly cubes = new Map<string, ModelCube>();
  readonly items = new Map<string, ModelItem>();
  readonly #holders = new Map<string, Set<ModelItem>>();
  #markers = 0;
  #ids = 0;

  /** A new unique marker word. */
  newMarker(): string {
    return `zmk${++this.#markers}q`;
  }

  /** The runtime's id generator: `it<n>x` (items, audit records, ...). */
  readonly newId = (): string => `it${++this.#ids}x`;

  /** Whether the cube exists for the model. */
  cube(cubeId: string): ModelCube | undefined {
    const cube = this.cubes.get(cubeId);
    return cube?.alive ? cube : undefined;
  }

  canRead(userId: string, cubeId: string): boolean {
    const cube = this.cube(cubeId);
    return cube !== undefined && (cube.ownerId === userId || cube.acl.has(userId));
  }

  canWrite(userId: string, cubeId: string): boolean {
    const cube = this.cube(cubeId);
    const grant = cube?.acl.get(userId);
    return cube !== undefined && (cube.ownerId === userId || grant === 'write' || grant === 'share');
  }

  isOwner(userId: string, cubeId: string): boolean {
    return this.cube(cubeId)?.ownerId === userId;
  }

  /** Deleted content is visible only to those who may restore it (write access). */
  itemVisible(userId: string, item: ModelItem | undefined): boolean {
    if (!item || item.gone || !this.canRead(userId, item.cubeId)) return false;
    return item.status !== 'deleted' || this.canWrite(userId, item.cubeId);
  }

  markerVisible(userId: string, marker: string): boolean {
    for (const item of this.#holders.get(marker) ?? []) if (this.itemVisible(userId, item)) return true;
    return false;
  }

  /** Records an item the runtime returned (after its output passed the leak scan). */
  learnItem(item: { id: string; cubeId: string; text: string; status: string; version: number }): ModelItem {
    const known = this.items.get(item.id);
    const markers = known?.markers ?? new Set<string>();
    for (const m of item.text.match(MARKER) ?? []) markers.add(m);
    const next = known ?? { id: item.id, cubeId: item.cubeId, markers, status: item.status, version: item.version, gone: false };
    Object.assign(next, { cubeId: item.cubeId, status: item.status, version: item.version, gone: false });
    this.items.set(item.id, next);
    for (const m of markers) {
      const holders = this.#holders.get(m) ?? new Set<ModelItem>();
      holders.add(next);
      this.#holders.set(m, holders);
    }
    return next;
  }

  /**
   * Leaks in `output` (a result or an error) of a call by `actor` with `input`: markers of items
   * and ids of items the actor may not read now; anything the actor put in the input is exempt.
   */
  leaks(actor: string, op: string, output: unknown, input: unknown, options: { auditTrail?: boolean } = {}): Violation[] {
    const text = serialize(output);
    const given = serialize(input);
    const found: Violation[] = [];
    for (const marker of new Set(text.match(MARKER) ?? [])) {
      if (given.includes(marker) || this.markerVisible(actor, marker)) continue;
      found.push({ kind: 'leak', op, detail: `${actor} got marker ${marker} (${this.describeMarker(marker)}) in ${excerpt(text, marker)}` });
    }
    for (const id of new Set(text.match(ITEM_ID) ?? [])) {
      const item = this.items.get(id);
      if (!item || given.includes(id) || this.itemVisible(actor, item)) continue;
      // An audit trail names what was forgotten (ids, no content) to those who can read the cube.
      if (options.auditTrail && item.gone && this.canRead(actor, item.cubeId)) continue;
      found.push({ kind: 'leak', op, detail: `${actor} got item id ${id} (cube ${item.cubeId}, ${item.status}${item.gone ? ', gone' : ''}) in ${excerpt(text, id)}` });
    }
    for (const cubeId of new Set(text.match(CUBE_ID) ?? [])) {
      if (!this.cubes.has(cubeId) || this.canRead(actor, cubeId) || given.includes(cubeId)) continue;
      found.push({ kind: 'leak', op, detail: `${actor} got the id of cube ${cubeId} (not readable) in ${excerpt(text, cubeId)}` });
    }
    return found;
  }

  describeMarker(marker: string): string {
    const holders = [...(this.#holders.get(marker) ?? [])];
    return holders.length === 0 ? 'unknown item' : holders.map((i) => `${i.id} in ${i.cubeId}, ${i.status}${i.gone ? ', gone' : ''}`).join('; ');
  }
}

/** Serializes a result or an error (name, code, message, typed fields, causes) for scanning. */
export function serialize(value: unknown): string {
  if (value instanceof Error) {
    const fields = Object.fromEntries(Object.entries(value));
    const cause = value.cause === undefined ? '' : ` cause: ${serialize(value.cause)}`;
    return `${value.name} ${value.message} ${safeJson(fields)}${cause}`;
  }
  return typeof value === 'string' ? value : safeJson(value);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function excerpt(text: string, needle: string): string {
  const at = text.indexOf(needle);
  return JSON.stringify(text.slice(Math.max(0, at - 80), at + needle.length + 80));
}

/** The violations of an error thrown by a public call: only `MemosError` subclasses may come out. */
export function untyped(op: string, error: unknown): Violation[] {
  if (MemosError.isInstance(error)) return [];
  const name = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return [{ kind: 'untyped-error', op, detail: name.slice(0, 300) }];
}
