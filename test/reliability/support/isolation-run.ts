/**
 * Runs tenant-isolation sequences through a MemOS and checks, after every call, that no result,
 * no error and no side effect reveals an item the actor may not read at that moment (see
 * {@link IsolationWorld}); at the end of each sequence the store must hold exactly what the model
 * says (no item moved, added or changed by a rejected or unauthorized call).
 */
import { join } from 'node:path';
import { MEMORY_STATUSES, type MemOS, type MemoryItem } from '@memos-js/core';
import { dumpText, rewriteHostileDump } from './hostile-dump.ts';
import { wordsOf, type IsolationOp } from './isolation-ops.ts';
import { IsolationWorld, untyped, type Violation } from './isolation-world.ts';

/** What the runs did. */
export interface IsolationStats {
  sequences: number;
  operations: number;
  /** Calls rejected with a typed error (expected denials and conflicts). */
  rejected: number;
  /** Calls per operation: accepted / rejected. */
  byOp: Record<string, { ok: number; rejected: number }>;
  violations: Violation[];
}

/** Options of {@link runIsolationSequences}. */
export interface RunIsolationOptions {
  mos: MemOS;
  /** The model; create one per store and give the store's runtime `newId: world.newId`. */
  world: IsolationWorld;
  /** Directory for dumps. */
  scratch: string;
  sequences: IsolationOp[][];
  /** Users per sequence. */
  users: number;
}

interface Outcome<T> {
  ok: boolean;
  value?: T;
}

/** Expectations of one call. */
interface Expect {
  /** The model allows the call (a success otherwise is an `unauthorized` violation). */
  allowed: boolean;
  /** The call names an item or cube the actor may not read: it must fail exactly like an unknown id (NotFoundError). */
  hidden?: boolean;
}

const UNKNOWN_ITEM = 'it0x';
const ALL_STATUSES = [...MEMORY_STATUSES];

/** Runs the sequences (each with fresh users on the same store) and collects every violation. */
export async function runIsolationSequences(options: RunIsolationOptions): Promise<IsolationStats> {
  const stats: IsolationStats = { sequences: 0, operations: 0, rejected: 0, byOp: {}, violations: [] };
  for (const ops of options.sequences) await new Sequence(options, stats).run(ops);
  return stats;
}

let sequenceNo = 0;

class Sequence {
  readonly #mos: MemOS;
  readonly #world: IsolationWorld;
  readonly #stats: IsolationStats;
  readonly #scratch: string;
  readonly #run = ++sequenceNo;
  readonly #users: string[];
  readonly #cubes: string[] = [];
  readonly #foreignCubes: string[];
  readonly #foreignItems: string[];
  readonly #touchedCubes = new Set<string>();
  #nextCube = 0;
  #dumps = 0;

  constructor(options: RunIsolationOptions, stats: IsolationStats) {
    this.#mos = options.mos;
    this.#world = options.world;
    this.#stats = stats;
    this.#scratch = options.scratch;
    this.#users = Array.from({ length: options.users }, (_, i) => `r${this.#run}u${i}`);
    const cubes = [...options.world.cubes.values()].filter((c) => c.alive);
    this.#foreignCubes = cubes.slice(-2).map((c) => c.id);
    this.#foreignItems = [...options.world.items.values()].filter((i) => !i.gone).slice(-3).map((i) => i.id);
  }

  async run(ops: IsolationOp[]): Promise<void> {
    this.#stats.sequences++;
    for (const userId of this.#users) await this.#mos.createUser({ id: userId, name: userId });
    // Start shared: user i's cube is readable by user i+1 and writable by user i+2 (the ops share and unshare from there).
    for (const [i, userId] of this.#users.entries()) {
      const cube = await this.#createCube(userId);
      if (!cube) continue;
      for (let k = 0; k < 2; k++) await this.#add(userId, cube, i + k);
      for (const [offset, access] of [[1, 'read'], [2, 'write']] as const) {
        const withUserId = this.#users[(i + offset) % this.#users.length]!;
        if (withUserId === userId) continue;
        const input = { userId, cubeId: cube, withUserId, access };
        const out = await this.#call('share', userId, input, { allowed: true }, () => this.#mos.shareCube(input));
        if (out.value) this.#world.cubes.get(cube)!.acl = new Map(out.value.acl.map((e) => [e.userId, e.access]));
      }
    }
    for (const op of ops) await this.#step(op);
    await this.#checkIntegrity();
  }

  // ---- resolving indexes -------------------------------------------------------------------

  #actor(n: number): string {
    return this.#users[n % this.#users.length]!;
  }

  #cube(n: number): string {
    const pool = [...this.#cubes, ...this.#foreignCubes, `r${this.#run}c999`];
    return pool[n % pool.length]!;
  }

  /** Mostly one of the actor's own (or writable) cubes, so that sharing and adding happen; sometimes any. */
  #ownCube(actor: string, n: number, writable = false): string {
    const own = this.#cubes.filter((id) => (writable ? this.#world.canWrite(actor, id) : this.#world.isOwner(actor, id)));
    return n % 4 === 0 || own.length === 0 ? this.#cube(n) : own[n % own.length]!;
  }

  /** Mostly an item the actor may (`visible`) or may not read, sometimes any item or an unknown id. */
  #pickItem(actor: string, n: number, prefer: 'visible' | 'hidden'): string {
    const pool = [...this.#world.items.values()].filter((i) => !i.gone && this.#world.itemVisible(actor, i) === (prefer === 'visible')).map((i) => i.id);
    if (n % 4 === 0 || pool.length === 0) return this.#item(n);
    const id = pool[n % pool.length]!;
    this.#touchedCubes.add(this.#world.items.get(id)!.cubeId);
    return id;
  }

  #item(n: number): string {
    const own = [...this.#world.items.values()].filter((i) => this.#cubes.includes(i.cubeId)).map((i) => i.id);
    const pool = [...own, ...this.#foreignItems, UNKNOWN_ITEM];
    const id = pool[n % pool.length]!;
    const item = this.#world.items.get(id);
    if (item) this.#touchedCubes.add(item.cubeId);
    return id;
  }

  #itemText(actor: string, id: string, words: number): string {
    const item = this.#world.items.get(id);
    const marker = item && this.#world.itemVisible(actor, item) ? [...item.markers][0] : undefined;
    return `${wordsOf(words)} ${marker ?? this.#world.newMarker()}`;
  }

  #hiddenItem(actor: string, id: string): boolean {
    return !this.#world.itemVisible(actor, this.#world.items.get(id));
  }

  // ---- one call ------------------------------------------------------------------------------

  async #call<T>(op: string, actor: string, input: unknown, expect: Expect, fn: () => Promise<T>): Promise<Outcome<T>> {
    const scan = { auditTrail: op === 'audit' };
    this.#stats.operations++;
    const v = this.#stats.violations;
    const counts = (this.#stats.byOp[op] ??= { ok: 0, rejected: 0 });
    try {
      const value = await fn();
      counts.ok++;
      v.push(...this.#world.leaks(actor, op, value, input, scan));
      if (!expect.allowed) v.push({ kind: 'unauthorized', op, detail: `${actor} succeeded: ${JSON.stringify(input)}` });
      return { ok: true, value };
    } catch (error) {
      this.#stats.rejected++;
      counts.rejected++;
      v.push(...untyped(op, error), ...this.#world.leaks(actor, op, error, input, scan));
      const code = (error as { code?: unknown }).code;
      if (expect.hidden && code !== 'MEMOS_NOT_FOUND') {
        v.push({ kind: 'existence-oracle', op, detail: `${actor} on ${JSON.stringify(input)}: ${code} ${(error as Error).message}`.slice(0, 400) });
      }
      return { ok: false };
    }
  }

  #learn(op: string, item: MemoryItem | undefined, expectedCube?: string): void {
    if (!item) return;
    if (expectedCube !== undefined && item.cubeId !== expectedCube) {
      this.#stats.violations.push({ kind: 'integrity', op, detail: `item ${item.id} came back in cube ${item.cubeId}, expected ${expectedCube}` });
    }
    this.#world.learnItem(item);
  }

  #checkItems(op: string, items: MemoryItem[]): void {
    for (const item of items) {
      if (!this.#world.items.has(item.id)) this.#stats.violations.push({ kind: 'integrity', op, detail: `unknown item ${item.id} in cube ${item.cubeId} returned` });
    }
  }

  // ---- operations --------------------------------------------------------------------------

  async #createCube(actor: string): Promise<string | undefined> {
    const id = `r${this.#run}c${this.#nextCube++}`;
    const input = { userId: actor, id, name: 'cube' }; // not the id: a loaded copy keeps the name
    const out = await this.#call('createCube', actor, input, { allowed: true }, () => this.#mos.createCube(input));
    if (!out.ok) return undefined;
    this.#world.cubes.set(id, { id, ownerId: actor, acl: new Map(), alive: true });
    this.#cubes.push(id);
    return id;
  }

  async #add(actor: string, cubeId: string, words: number): Promise<void> {
    const input = { userId: actor, cubeId, text: `${wordsOf(words)} ${this.#world.newMarker()}` };
    const out = await this.#call('add', actor, input, { allowed: this.#world.canWrite(actor, cubeId), hidden: !this.#world.canRead(actor, cubeId) }, () => this.#mos.add(input));
    for (const item of out.value?.items ?? []) this.#learn('add', item, cubeId);
  }

  async #step(op: IsolationOp): Promise<void> {
    const actor = this.#actor(op.actor);
    const w = this.#world;
    switch (op.kind) {
      case 'add':
        return this.#add(actor, this.#ownCube(actor, op.cube, true), op.words);
      case 'search': {
        const marker = op.marker === null ? '' : ` zmk${1 + (op.marker % Math.max(1, w.items.size))}q`;
        const cubeId = op.cube === null ? undefined : this.#cube(op.cube);
        const input = { userId: actor, query: `${wordsOf(op.words)}${marker}`, topK: 20, ...(cubeId ? { cubeIds: [cubeId] } : {}) };
        const hidden = cubeId !== undefined && !w.canRead(actor, cubeId);
        const out = await this.#call('search', actor, input, { allowed: !hidden, hidden }, () => this.#mos.search(input));
        this.#checkItems('search', out.value?.hits.map((h) => h.item) ?? []);
        return;
      }
      case 'get':
      case 'history': {
        const id = this.#pickItem(actor, op.target, op.target % 3 === 0 ? 'hidden' : 'visible');
        const input = { userId: actor, id };
        const hidden = this.#hiddenItem(actor, id);
        if (op.kind === 'get') {
          const out = await this.#call('get', actor, input, { allowed: !hidden, hidden }, () => this.#mos.get(input));
          this.#checkItems('get', out.value ? [out.value] : []);
        } else {
          const out = await this.#call('history', actor, input, { allowed: !hidden, hidden }, () => this.#mos.history(input));
          for (const record of out.value ?? []) {
            if (record.itemId !== id || record.snapshot.id !== id) this.#stats.violations.push({ kind: 'integrity', op: 'history', detail: `history of ${id} holds a record of item ${record.itemId} / snapshot ${record.snapshot.id}` });
          }
        }
        return;
      }
      case 'getAll': {
        const cubeId = op.cube === null ? undefined : this.#cube(op.cube);
        const input = { userId: actor, filter: { statuses: op.statuses }, limit: 1_000, ...(cubeId ? { cubeIds: [cubeId] } : {}) };
        const hidden = cubeId !== undefined && !w.canRead(actor, cubeId);
        const out = await this.#call('getAll', actor, input, { allowed: !hidden, hidden }, () => this.#mos.getAll(input));
        this.#checkItems('getAll', out.value?.items ?? []);
        return;
      }
      case 'update':
      case 'delete':
      case 'invalidate':
      case 'rollback':
        return this.#change(op, actor);
      case 'forget':
        return this.#forget(actor, this.#pickItem(actor, op.target, op.target % 3 === 0 ? 'hidden' : 'visible'));
      case 'share': {
        const cubeId = this.#ownCube(actor, op.cube);
        // Mostly with another user of the sequence (sharing with oneself is a no-op).
        const withUserId = op.withUser % 4 === 3 ? actor : this.#actor(this.#users.indexOf(actor) + 1 + (op.withUser % (this.#users.length - 1)));
        const input = { userId: actor, cubeId, withUserId, access: op.access };
        const out = await this.#call('share', actor, input, { allowed: w.isOwner(actor, cubeId), hidden: !w.canRead(actor, cubeId) }, () => this.#mos.shareCube(input));
        const cube = w.cubes.get(cubeId);
        if (out.value && cube) cube.acl = new Map(out.value.acl.map((e) => [e.userId, e.access]));
        return;
      }
      case 'createCube':
        await this.#createCube(actor);
        return;
      case 'deleteCube': {
        const cubeId = this.#cube(op.cube);
        const input = { userId: actor, cubeId };
        const out = await this.#call('deleteCube', actor, input, { allowed: w.isOwner(actor, cubeId), hidden: !w.canRead(actor, cubeId) }, () => this.#mos.deleteCube(input));
        if (out.ok) this.#dropCube(cubeId);
        return;
      }
      case 'audit': {
        const cubeId = this.#ownCube(actor, op.cube);
        const input = { userId: actor, cubeId };
        // Readers may ask too (they get their own records); the leak scan checks what comes back.
        await this.#call('audit', actor, input, { allowed: w.canRead(actor, cubeId), hidden: !w.canRead(actor, cubeId) }, () => this.#mos.audit(input));
        return;
      }
      case 'dumpLoad':
        return this.#dumpLoad(actor, this.#cube(op.cube));
      case 'hostileLoad':
        return this.#hostileLoad(actor, this.#pickItem(actor, op.target, 'hidden'), op.mode);
    }
  }

  async #change(op: Extract<IsolationOp, { kind: 'update' | 'delete' | 'invalidate' | 'rollback' }>, actor: string): Promise<void> {
    const id = this.#pickItem(actor, op.target, op.target % 5 === 0 ? 'hidden' : 'visible');
    const item = this.#world.items.get(id);
    const expect = { allowed: item !== undefined && !item.gone && this.#world.canWrite(actor, item.cubeId), hidden: this.#hiddenItem(actor, id) };
    const input =
      op.kind === 'update' ? { userId: actor, id, text: this.#itemText(actor, id, op.words) }
      : op.kind === 'rollback' ? { userId: actor, id, version: op.version === 4 ? 99 : 1 + ((op.version - 1) % Math.max(1, (item?.version ?? 2) - 1)) }
      : { userId: actor, id };
    const mos = this.#mos;
    const call = {
      update: () => mos.update(input as { userId: string; id: string; text: string }),
      delete: () => mos.delete(input),
      invalidate: () => mos.invalidate(input),
      rollback: () => mos.rollback(input as { userId: string; id: string; version: number }),
    }[op.kind];
    const out = await this.#call(op.kind, actor, input, expect, call);
    this.#learn(op.kind, out.value, item?.cubeId);
  }

  async #forget(actor: string, id: string): Promise<void> {
    const forget = (this.#mos as unknown as { forget?: (input: unknown) => Promise<unknown> }).forget;
    if (typeof forget !== 'function') return;
    const item = this.#world.items.get(id);
    const input = { userId: actor, ids: [id] };
    const out = await this.#call('forget', actor, input, { allowed: item !== undefined && !item.gone && this.#world.canWrite(actor, item.cubeId), hidden: this.#hiddenItem(actor, id) }, () => forget.call(this.#mos, input));
    if (out.ok && item) item.gone = true;
  }

  #dropCube(cubeId: string): void {
    const cube = this.#world.cubes.get(cubeId);
    if (cube) cube.alive = false;
    for (const item of this.#world.items.values()) if (item.cubeId === cubeId) item.gone = true;
  }

  /** Dumps a cube (leak-scanning the files) and loads it as a new cube of the actor. */
  async #dumpLoad(actor: string, cubeId: string): Promise<void> {
    const dir = join(this.#scratch, `dump-${this.#run}-${++this.#dumps}`);
    const input = { userId: actor, cubeId, dir };
    const readable = this.#world.canRead(actor, cubeId);
    const out = await this.#call('dumpCube', actor, input, { allowed: readable, hidden: !readable }, () => this.#mos.dumpCube(input));
    if (!out.ok) return;
    this.#stats.violations.push(...this.#world.leaks(actor, 'dumpCube files', dumpText(dir), input));
    await this.#load(actor, dir);
  }

  async #load(actor: string, dir: string): Promise<string | undefined> {
    const id = `r${this.#run}c${this.#nextCube++}`;
    // Loading next to the original needs fresh ids (issue 9: `remintIds: true`; older runtimes refuse the option).
    const input = { userId: actor, dir, cubeId: id, remintIds: true } as Parameters<MemOS['loadCube']>[0];
    const load = () => this.#mos.loadCube(input).catch((error: unknown) => {
      if (/remintIds/.test(String(error))) return this.#mos.loadCube({ userId: actor, dir, cubeId: id });
      throw error;
    });
    const out = await this.#call('loadCube', actor, input, { allowed: true }, load);
    if (!out.ok) return undefined;
    this.#world.cubes.set(id, { id, ownerId: actor, acl: new Map(), alive: true });
    this.#cubes.push(id);
    const listInput = { userId: actor, cubeIds: [id], filter: { statuses: ALL_STATUSES }, limit: 1_000 };
    const listed = await this.#call('getAll after load', actor, listInput, { allowed: true }, () => this.#mos.getAll(listInput));
    for (const item of listed.value?.items ?? []) this.#learn('loadCube', item, id);
    return id;
  }

  /** Loads an edited dump of the actor's own cube that points at a victim's item, then pokes at the victim. */
  async #hostileLoad(actor: string, victimId: string, mode: Parameters<typeof rewriteHostileDump>[0]['mode']): Promise<void> {
    const own = [...this.#world.items.values()].find((i) => !i.gone && i.status === 'active' && this.#world.isOwner(actor, i.cubeId));
    if (!own) return;
    const updateInput = { userId: actor, id: own.id, text: `${wordsOf(own.version)} ${[...own.markers][0] ?? this.#world.newMarker()}` };
    this.#learn('update', (await this.#call('update', actor, updateInput, { allowed: true }, () => this.#mos.update(updateInput))).value, own.cubeId);
    const dir = join(this.#scratch, `hostile-${this.#run}-${++this.#dumps}`);
    const dumpInput = { userId: actor, cubeId: own.cubeId, dir };
    if (!(await this.#call('dumpCube', actor, dumpInput, { allowed: true }, () => this.#mos.dumpCube(dumpInput))).ok) return;
    const handle = rewriteHostileDump({ dir, victimId, mode, newId: this.#world.newId });
    if (handle === undefined) return;
    const loaded = await this.#load(actor, dir);
    const poke = (op: string, input: { userId: string; id: string }, fn: () => Promise<unknown>) => {
      const item = this.#world.items.get(input.id);
      return this.#call(`${op} after hostile load (${mode})`, actor, input, { allowed: this.#world.itemVisible(actor, item), hidden: this.#hiddenItem(actor, input.id) }, fn);
    };
    const rollback = { userId: actor, id: handle, version: 1 };
    const target = this.#world.items.get(handle);
    const allowed = target !== undefined && !target.gone && this.#world.canWrite(actor, target.cubeId);
    const rolled = await this.#call(`rollback after hostile load (${mode})`, actor, rollback, { allowed, hidden: this.#hiddenItem(actor, handle) }, () => this.#mos.rollback(rollback));
    this.#learn('rollback after hostile load', rolled.value as MemoryItem | undefined, this.#world.items.get(handle)?.cubeId);
    const victim = { userId: actor, id: victimId };
    await poke('get', victim, () => this.#mos.get(victim));
    await poke('history', victim, () => this.#mos.history(victim));
    if (loaded) this.#touchedCubes.add(loaded);
  }

  /** Every cube this sequence created or touched holds exactly the model's items, statuses and versions. */
  async #checkIntegrity(): Promise<void> {
    const cubes = new Set([...this.#cubes, ...this.#touchedCubes]);
    for (const cubeId of cubes) {
      const cube = this.#world.cube(cubeId);
      if (!cube) continue;
      const input = { userId: cube.ownerId, cubeIds: [cubeId], filter: { statuses: ALL_STATUSES }, limit: 1_000 };
      const out = await this.#call('integrity getAll', cube.ownerId, input, { allowed: true }, () => this.#mos.getAll(input));
      if (!out.value) continue;
      const want = [...this.#world.items.values()].filter((i) => i.cubeId === cubeId && !i.gone).map((i) => `${i.id}:${i.status}:v${i.version}`).sort();
      const got = out.value.items.map((i) => `${i.id}:${i.status}:v${i.version}`).sort();
      if (JSON.stringify(want) !== JSON.stringify(got)) {
        this.#stats.violations.push({ kind: 'integrity', op: 'integrity', detail: `cube ${cubeId}: model ${JSON.stringify(want)} vs store ${JSON.stringify(got)}`.slice(0, 600) });
      }
    }
  }
}

/** A short, grouped description of violations (for assertion messages and the benchmark). */
export function summarizeViolations(violations: Violation[], examples = 3): string {
  const groups = Map.groupBy(violations, (v) => `${v.kind} in ${v.op}`);
  return [...groups].map(([key, list]) => `${list.length}× ${key}\n${list.slice(0, examples).map((v) => `    - ${v.detail}`).join('\n')}`).join('\n');
}
