/**
 * A dump is untrusted input. These tests load hand-written hostile dumps through the public MOS
 * API into a SQLite file that also holds a victim's cube, and check that each one is refused with
 * a typed error and that the file is row-for-row unchanged afterwards (or, for the dumps that are
 * accepted, that the loaded cube belongs to the loading user and touches nothing else).
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../errors/conflict-error.ts';
import { DumpFormatError } from '../errors/dump-format-error.ts';
import { InputTooLargeError } from '../errors/input-too-large-error.ts';
import { MemosError } from '../errors/memos-error.ts';
import { StorageError } from '../errors/storage-error.ts';
import type { MemoryContext } from '../memory/textual/memory-context.ts';
import { createMemOS, type MemOS } from '../mos.ts';
import { sqliteFileRows } from '../storage/sqlite/sqlite-file-rows.ts';
import { DEFAULT_LIMITS } from '../mos/limits.ts';
import { silentLogger } from '../mos/silent-logger.ts';
import type { GraphStore, MemoryItem } from '../spec/index.ts';
import { DUMP_FILES } from './dump-format.ts';
import { loadCube } from './load-cube.ts';

const T0 = '2024-03-01T10:00:00.000Z';
const T1 = '2024-03-01T10:05:00.000Z';

function clock(start = Date.parse('2024-01-01T00:00:00.000Z')) {
  let t = start;
  return () => new Date((t += 1_000));
}

function counter() {
  let n = 0;
  return () => `id-${String(++n).padStart(5, '0')}`;
}

/** A dump as plain data (written to files by {@link writeDump}). */
interface RawDump {
  manifest: Record<string, unknown>;
  memories: Record<string, unknown>[];
  edges: Record<string, unknown>[];
  versions: Record<string, unknown>[];
  embeddings?: Record<string, unknown>[];
}

function item(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, cubeId: 'evil', ownerId: 'mallory', kind: 'plaintext', memoryType: 'long_term', text: `note ${id} about the harbour`, key: 'harbour note',
    tags: ['t'], metadata: { topic: 'harbour' }, confidence: 1, status: 'active', version: 1, sources: [{ role: 'api' }],
    createdAt: T0, updatedAt: T0, accessCount: 0, importance: 0.5, embeddingModel: 'x', vectorSyncState: 'synced', ...overrides,
  };
}

function version(snapshot: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { itemId: snapshot['id'], cubeId: snapshot['cubeId'], version: snapshot['version'], action: snapshot['version'] === 1 ? 'create' : 'update', actor: 'mallory', at: snapshot['updatedAt'], snapshot, ...overrides };
}

/**
 * The attacker's valid base dump: cube `evil` with items a1 (one version) and a2 (two versions),
 * an edge a1 -> a2 and, when asked, an embedding per item.
 */
function baseDump(embedder?: { fingerprint: string; dimension: number }): RawDump {
  const a1 = item('a1');
  const a2v1 = item('a2', { text: 'the harbour opens at dawn' });
  const a2 = item('a2', { text: 'the harbour opens at six', version: 2, updatedAt: T1 });
  const space = embedder ?? { fingerprint: 'lexical-test', dimension: 4 };
  const embeddings = embedder ? [{ id: 'a1', vector: unit(space.dimension, 0) }, { id: 'a2', vector: unit(space.dimension, 1) }] : undefined;
  return {
    manifest: {
      format: 'memos-cube', formatVersion: '1.0', exportedAt: T1,
      cube: { id: 'evil', name: 'Evil', ownerId: 'mallory', embedder: space, schemaVersion: 1, acl: [], createdAt: T0, updatedAt: T1 },
      counts: { memories: 2, edges: 1, versions: 3, embeddings: embeddings?.length ?? 0 },
      ...(embedder ? { embeddingsFingerprint: embedder.fingerprint } : {}),
    },
    memories: [a1, a2],
    edges: [{ from: 'a1', to: 'a2', type: 'RELATE_TO', cubeId: 'evil', weight: 1, createdAt: T1 }],
    versions: [version(a1), version(a2v1), version(a2)],
    ...(embeddings ? { embeddings } : {}),
  };
}

function unit(dimension: number, at: number): number[] {
  return Array.from({ length: dimension }, (_, i) => (i === at ? 1 : 0));
}

/** Keeps the manifest counts in step with the lines (so a test exercises the check it means to). */
function recount(dump: RawDump): RawDump {
  dump.manifest['counts'] = { memories: dump.memories.length, edges: dump.edges.length, versions: dump.versions.length, embeddings: dump.embeddings?.length ?? 0 };
  return dump;
}

async function writeDump(dir: string, dump: RawDump): Promise<string> {
  await mkdir(dir, { recursive: true });
  const jsonl = (rows: unknown[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  await writeFile(join(dir, DUMP_FILES.manifest), JSON.stringify(dump.manifest));
  await writeFile(join(dir, DUMP_FILES.memories), jsonl(dump.memories));
  await writeFile(join(dir, DUMP_FILES.edges), jsonl(dump.edges));
  await writeFile(join(dir, DUMP_FILES.versions), jsonl(dump.versions));
  if (dump.embeddings) await writeFile(join(dir, DUMP_FILES.embeddings), jsonl(dump.embeddings));
  return dir;
}


const ALL_STATUSES = ['active', 'archived', 'merged', 'invalidated', 'expired', 'deleted'] as const;

/**
 * Everything the store holds, read through the stores (so the reads themselves leave no audit
 * trail): users, and per cube its config, items of every status, versions, vectors, edges, audit.
 */
async function apiState(mos: MemOS) {
  const cubes = await mos.graph.listCubes();
  const state = [];
  for (const cube of cubes.sort((a, b) => a.id.localeCompare(b.id))) {
    const items = await mos.graph.listItems({ filter: { cubeIds: [cube.id], statuses: [...ALL_STATUSES] }, limit: 10_000, offset: 0, order: 'createdAt', direction: 'asc' });
    const histories = [];
    for (const it of items) histories.push(await mos.graph.listVersions({ cubeId: cube.id, itemId: it.id }));
    const vectors = await mos.vector.get({ space: cube.embedder, ids: items.map((it) => it.id) });
    state.push({ cube, items, histories, vectors, edges: await mos.graph.listEdges({ cubeIds: [cube.id] }), audit: await mos.graph.listAudit({ cubeId: cube.id }) });
  }
  return { users: await mos.graph.listUsers(), cubes: state };
}

let scratch: string;
let dbPath: string;
let mos: MemOS;
let victimId: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'memos-load-test-'));
  dbPath = join(scratch, 'memos.db');
  mos = createMemOS({ storage: { kind: 'sqlite', path: dbPath }, now: clock(), newId: counter(), vectorRetry: false });
  await mos.setup();
  await mos.createUser({ id: 'alice', name: 'Alice' });
  await mos.createUser({ id: 'mallory', name: 'Mallory' });
  await mos.createCube({ userId: 'alice', id: 'vault', name: 'Alice private' });
  const { items } = await mos.add({ userId: 'alice', cubeId: 'vault', text: 'alice secret: the safe code is 4711' });
  victimId = items[0]!.id;
  await mos.update({ userId: 'alice', id: victimId, text: 'alice secret: the safe code is 0815' });
});
afterEach(async () => {
  await mos.close();
  await rm(scratch, { recursive: true, force: true });
});

/**
 * Loads a dump as mallory with `remintIds: true`. Through the function (the MOS facade does not
 * pass `remintIds` on yet), on the MOS's own stores; ids minted as `load-N`.
 */
async function loadReminted(options: { dir: string; cubeId?: string }) {
  return mos.loadCube({ userId: 'mallory', remintIds: true, ...options });
}

/** Loads the dump as mallory and expects `errorClass` with nothing written anywhere. */
async function expectRefused(dump: RawDump | string, errorClass: abstract new (...args: never[]) => MemosError, options: { cubeId?: string } = {}) {
  const dir = typeof dump === 'string' ? dump : await writeDump(join(scratch, `dump-${Math.random().toString(36).slice(2)}`), dump);
  const api = await apiState(mos);
  const rows = sqliteFileRows(dbPath);
  const error = await mos.loadCube({ userId: 'mallory', dir, ...options }).then(() => undefined, (e: unknown) => e);
  expect(error, 'the dump was accepted').toBeInstanceOf(errorClass);
  expect(MemosError.isInstance(error)).toBe(true);
  expect(String((error as Error).message)).not.toContain('vault');
  expect(String((error as Error).message)).not.toContain(victimId);
  expect(sqliteFileRows(dbPath)).toEqual(rows);
  expect(await apiState(mos)).toEqual(api);
  return error as MemosError;
}

const victimEverywhere = (dump: RawDump, edit: (dump: RawDump, victim: string) => void): RawDump => {
  edit(dump, victimId);
  return dump;
};

describe('loadCube refuses dumps that name ids outside themselves', () => {
  it('accepts the base dump (so every refusal below is caused by its one change)', async () => {
    const cube = await mos.loadCube({ userId: 'mallory', dir: await writeDump(join(scratch, 'base'), baseDump()) });
    expect(cube).toMatchObject({ id: 'evil', ownerId: 'mallory', acl: [] });
    const { items } = await mos.getAll({ userId: 'mallory', cubeIds: ['evil'] });
    expect(items.map((i) => i.id).sort()).toEqual(['a1', 'a2']);
    expect((await mos.history({ userId: 'mallory', id: 'a2' })).map((v) => v.version)).toEqual([1, 2]);
  });

  it('refuses a version whose snapshot names the victim item (the reported exploit: rollback moved it into the attacker cube)', async () => {
    const dump = victimEverywhere(baseDump(), (d, victim) => {
      const stolen = item(victim, { cubeId: 'evil', text: 'anything', version: 1 });
      d.versions[1] = version(stolen, { itemId: 'a2', version: 1 });
    });
    await expectRefused(dump, DumpFormatError);
    // Nothing to roll back, and the victim item is still Alice's alone.
    await expect(mos.rollback({ userId: 'mallory', id: 'a2', version: 1 })).rejects.toMatchObject({ code: 'MEMOS_NOT_FOUND' });
    expect(await mos.get({ userId: 'alice', id: victimId })).toMatchObject({ cubeId: 'vault', text: 'alice secret: the safe code is 0815' });
    await expect(mos.get({ userId: 'mallory', id: victimId })).rejects.toBeInstanceOf(MemosError);
  });

  const cases: [string, (d: RawDump, victim: string) => void][] = [
    ['a version of the victim item', (d, v) => d.versions.push(version(item(v, { version: 3 })))],
    ['a version whose itemId is the victim item', (d, v) => { d.versions[0]!['itemId'] = v; }],
    ['a snapshot in the victim cube', (d) => { (d.versions[0]!['snapshot'] as Record<string, unknown>)['cubeId'] = 'vault'; }],
    ['a version in the victim cube', (d) => { d.versions[0]!['cubeId'] = 'vault'; }],
    ['an item in the victim cube', (d) => { d.memories[0]!['cubeId'] = 'vault'; }],
    ['an edge to the victim item', (d, v) => { d.edges[0]!['to'] = v; }],
    ['an edge from the victim item', (d, v) => { d.edges[0]!['from'] = v; }],
    ['an edge in the victim cube', (d) => { d.edges[0]!['cubeId'] = 'vault'; }],
  ];
  for (const [name, edit] of cases) {
    it(`refuses ${name}`, async () => {
      await expectRefused(recount(victimEverywhere(baseDump(), edit)), DumpFormatError);
    });
  }

  it('refuses an embedding for the victim item', async () => {
    const dump = baseDump(mos.embedder);
    dump.embeddings![1]!['id'] = victimId;
    await expectRefused(dump, DumpFormatError);
  });

  it('refuses an item that reuses the victim id (ConflictError) and loads it under fresh ids with remintIds', async () => {
    const dump = baseDump(mos.embedder);
    const rename = (row: Record<string, unknown>, key: string) => row[key] === 'a1' && (row[key] = victimId);
    dump.memories.forEach((m) => rename(m, 'id'));
    dump.versions.forEach((v) => { rename(v, 'itemId'); rename(v['snapshot'] as Record<string, unknown>, 'id'); });
    dump.edges.forEach((e) => { rename(e, 'from'); rename(e, 'to'); });
    dump.embeddings!.forEach((e) => rename(e, 'id'));
    const dir = await writeDump(join(scratch, 'clash'), dump);
    const error = await expectRefused(dir, ConflictError);
    expect(error.message).toContain('remintIds');

    const before = await apiState(mos);
    const cube = await loadReminted({ dir });
    expect(cube.id).not.toBe('evil');
    const after = await apiState(mos);
    expect(after.cubes.filter((c) => c.cube.id !== cube.id)).toEqual(before.cubes);
    await checkLoadedCube(cube.id, dump);
  });

  it('refuses a cube id that exists (the dump\'s or the one asked for)', async () => {
    const dump = baseDump();
    dump.manifest['cube'] = { ...(dump.manifest['cube'] as object), id: 'vault' };
    for (const d of [dump]) for (const m of d.memories) m['cubeId'] = 'vault';
    for (const v of dump.versions) { v['cubeId'] = 'vault'; (v['snapshot'] as Record<string, unknown>)['cubeId'] = 'vault'; }
    for (const e of dump.edges) e['cubeId'] = 'vault';
    await expectRefused(dump, ConflictError);
    await expectRefused(baseDump(), ConflictError, { cubeId: 'vault' });
  });
});

/** The loaded cube holds the dump's content under fresh ids, consistently remapped, owned by mallory. */
async function checkLoadedCube(cubeId: string, dump: RawDump): Promise<void> {
  const { items } = await mos.getAll({ userId: 'mallory', cubeIds: [cubeId] });
  expect(items.map((i) => i.text).sort()).toEqual(dump.memories.map((m) => m['text']).sort());
  const dumpIds = new Set(dump.memories.map((m) => m['id'] as string));
  const byText = new Map(items.map((i) => [i.text, i]));
  for (const it of items) {
    expect(dumpIds.has(it.id)).toBe(false);
    expect(it).toMatchObject({ cubeId, ownerId: 'mallory' });
    for (const v of await mos.history({ userId: 'mallory', id: it.id })) expect(v).toMatchObject({ itemId: it.id, cubeId, snapshot: { id: it.id, cubeId, ownerId: 'mallory' } });
  }
  const edges = await mos.graph.listEdges({ cubeIds: [cubeId] });
  const textOf = (id: string) => dump.memories.find((m) => m['id'] === id)!['text'] as string;
  expect(edges.map((e) => [e.from, e.to])).toEqual(dump.edges.map((e) => [byText.get(textOf(e['from'] as string))!.id, byText.get(textOf(e['to'] as string))!.id]));
  if (dump.embeddings) {
    for (const e of dump.embeddings) {
      const [record] = await mos.vector.get({ space: mos.embedder, ids: [byText.get(textOf(e['id'] as string))!.id] });
      expect(record?.vector).toEqual(e['vector']);
    }
  }
}

describe('loadCube checks every line against the dump itself', () => {
  const refusals: [string, (d: RawDump) => void, abstract new (...args: never[]) => MemosError][] = [
    ['a duplicate item', (d) => { d.memories.push(d.memories[0]!); }, DumpFormatError],
    ['a duplicate version', (d) => { d.versions.push(d.versions[0]!); }, DumpFormatError],
    ['a duplicate edge', (d) => { d.edges.push(d.edges[0]!); }, DumpFormatError],
    ['an item without versions', (d) => { d.versions.shift(); }, DumpFormatError],
    ['an item version that is not its latest version', (d) => { d.memories[1]!['version'] = 3; }, DumpFormatError],
    ['a version that differs from its snapshot', (d) => { d.versions[0]!['version'] = 2; }, DumpFormatError],
    ['a snapshot of another item of the dump', (d) => { d.versions[1]!['snapshot'] = { ...(d.versions[1]!['snapshot'] as object), id: 'a1' }; }, DumpFormatError],
    ['version 0', (d) => { d.memories[0]!['version'] = 0; }, DumpFormatError],
    ['a fractional version', (d) => { d.versions[0]!['version'] = 1.5; }, DumpFormatError],
    ['an unknown status', (d) => { d.memories[0]!['status'] = 'pwned'; }, DumpFormatError],
    ['an unknown edge type', (d) => { d.edges[0]!['type'] = 'OWNS'; }, DumpFormatError],
    ['an edge weight above 1', (d) => { d.edges[0]!['weight'] = 7; }, DumpFormatError],
    ['a date without time', (d) => { d.memories[0]!['createdAt'] = '2024-03-01'; }, DumpFormatError],
    ['a timestamp with an offset (breaks string order)', (d) => { d.versions[0]!['at'] = '2024-03-01T12:00:00+02:00'; }, DumpFormatError],
    ['an item id that is not a valid id', (d) => { d.memories[0]!['id'] = '../../etc'; }, DumpFormatError],
    ['too many metadata keys', (d) => { d.memories[0]!['metadata'] = Object.fromEntries(Array.from({ length: DEFAULT_LIMITS.maxMetadataKeys + 1 }, (_, i) => [`k${i}`, i])); }, DumpFormatError],
    ['a nested metadata value', (d) => { d.memories[0]!['metadata'] = { deep: { deeper: [1, 2, { x: 1 }] } }; }, DumpFormatError],
    ['a text longer than maxTextChars', (d) => { d.memories[0]!['text'] = 'x'.repeat(DEFAULT_LIMITS.maxTextChars + 1); }, InputTooLargeError],
    ['a metadata value longer than maxMetadataValueChars', (d) => { d.memories[0]!['metadata'] = { k: 'v'.repeat(DEFAULT_LIMITS.maxMetadataValueChars + 1) }; }, InputTooLargeError],
    ['too many tags', (d) => { d.memories[0]!['tags'] = Array.from({ length: DEFAULT_LIMITS.maxTags + 1 }, (_, i) => `t${i}`); }, InputTooLargeError],
    ['a manifest count that does not match (memories)', (d) => { (d.manifest['counts'] as Record<string, number>)['memories'] = 3; }, DumpFormatError],
    ['a manifest count that does not match (versions)', (d) => { (d.manifest['counts'] as Record<string, number>)['versions'] = 2; }, DumpFormatError],
    ['a manifest count that does not match (edges)', (d) => { (d.manifest['counts'] as Record<string, number>)['edges'] = 0; }, DumpFormatError],
    ['a negative manifest count', (d) => { (d.manifest['counts'] as Record<string, number>)['edges'] = -1; }, DumpFormatError],
    ['embeddings the manifest does not announce', (d) => { d.embeddings = [{ id: 'a1', vector: [1, 0, 0, 0] }]; }, DumpFormatError],
  ];
  for (const [name, edit, errorClass] of refusals) {
    it(`refuses ${name}`, async () => {
      const dump = baseDump();
      edit(dump);
      await expectRefused(dump, errorClass);
    });
  }

  const vectorRefusals: [string, (d: RawDump, dimension: number) => void][] = [
    ['a duplicate embedding', (d) => { d.embeddings!.push(d.embeddings![0]!); (d.manifest['counts'] as Record<string, number>)['embeddings'] = 3; }],
    ['an embedding of the wrong dimension', (d, n) => { d.embeddings![0]!['vector'] = unit(n + 1, 0); }],
    ['a zero embedding', (d, n) => { d.embeddings![0]!['vector'] = unit(n, -1); }],
    ['an embedding count that does not match', (d) => { (d.manifest['counts'] as Record<string, number>)['embeddings'] = 1; }],
    ['announced embeddings without a file', (d) => { delete d.embeddings; }],
  ];
  for (const [name, edit] of vectorRefusals) {
    it(`refuses ${name}`, async () => {
      const dump = baseDump(mos.embedder);
      edit(dump, mos.embedder.dimension);
      await expectRefused(dump, DumpFormatError);
    });
  }

  it('refuses prototype-pollution keys, lone surrogates, invalid UTF-8, truncated lines and non-JSON', async () => {
    const raw = (dump: RawDump, file: string, text: string | Buffer) => async () => {
      const dir = await writeDump(join(scratch, `raw-${Math.random().toString(36).slice(2)}`), dump);
      await writeFile(join(dir, file), text);
      return dir;
    };
    const line = (row: unknown) => `${JSON.stringify(row)}\n`;
    const base = baseDump();
    const m0 = line(base.memories[0]);
    const m1 = line(base.memories[1]);
    const variants = [
      raw(base, DUMP_FILES.memories, m0 + m1.replace('"metadata":{', '"metadata":{"__proto__":{"polluted":"yes"},')),
      raw(base, DUMP_FILES.memories, m0 + m1.replace('"topic":"harbour"', '"__proto__":"x"')),
      raw(base, DUMP_FILES.memories, m0 + m1.replace('"sources":[{', '"sources":[{"__proto__":{"role":"admin"},')),
      raw(base, DUMP_FILES.memories, m0 + m1.replace('the harbour opens at six', '\\ud800 harbour')),
      raw(base, DUMP_FILES.memories, Buffer.concat([Buffer.from(m0), Buffer.from(m1.replace('six', 'si')), Buffer.from([0xc3, 0x28, 0x0a])])),
      raw(base, DUMP_FILES.memories, m0 + m1.slice(0, m1.length - 20)),
      raw(base, DUMP_FILES.versions, `${line(base.versions[0])}not json\n${line(base.versions[2])}`),
      raw(base, DUMP_FILES.manifest, '{"format": "memos-cube"'),
    ];
    for (const variant of variants) await expectRefused(await variant(), DumpFormatError);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a line longer than the limit without reading it whole, and a file that is not a regular file', async () => {
    const dir = await writeDump(join(scratch, 'huge'), baseDump());
    await writeFile(join(dir, DUMP_FILES.memories), `{"id":"${'x'.repeat(DEFAULT_LIMITS.maxDumpLineBytes + 10)}`);
    await expectRefused(dir, InputTooLargeError);
    await rm(join(dir, DUMP_FILES.memories));
    await symlink('/dev/zero', join(dir, DUMP_FILES.memories));
    await expectRefused(dir, DumpFormatError);
  });
});

let minted = 0;

/** A MemoryContext over the MOS's own stores, for calling the cube functions directly. */
function contextOf(m: MemOS, graph: GraphStore = m.graph): MemoryContext {
  return { graph, vector: m.vector, embedder: m.embedder, logger: silentLogger, now: () => new Date(T1), newId: () => `load-${++minted}` };
}

describe('loadCube limits and ownership', () => {
  it('stops reading at maxDumpFileBytes and maxDumpLines', async () => {
    const dir = await writeDump(join(scratch, 'limits'), baseDump());
    const before = sqliteFileRows(dbPath);
    const load = (limits: Partial<typeof DEFAULT_LIMITS>) => loadCube({ ctx: contextOf(mos), dir, userId: 'mallory', schemaVersion: 1, limits: { ...DEFAULT_LIMITS, ...limits } });
    await expect(load({ maxDumpFileBytes: 200 })).rejects.toBeInstanceOf(InputTooLargeError);
    await expect(load({ maxDumpLines: 1 })).rejects.toBeInstanceOf(InputTooLargeError);
    expect(sqliteFileRows(dbPath)).toEqual(before);
  });

  it('gives the loaded cube, its items and their history to the loading user, whatever ids the dump names', async () => {
    const dump = baseDump();
    const manifestCube = dump.manifest['cube'] as Record<string, unknown>;
    manifestCube['ownerId'] = 'alice';
    manifestCube['acl'] = [{ userId: 'alice', access: 'write' }];
    for (const m of dump.memories) Object.assign(m, { ownerId: 'alice', payloadRef: '/home/alice/.memos/kv/secret.bin' });
    for (const v of dump.versions) Object.assign(v['snapshot'] as object, { ownerId: 'alice', payloadRef: '/etc/passwd' });
    (dump.memories[0]!['sources'] as Record<string, unknown>[])[0] = { role: 'user', speaker: 'Mallory', injected: 'x', chunkIndex: 2 };
    const cube = await mos.loadCube({ userId: 'mallory', dir: await writeDump(join(scratch, 'owner'), dump) });
    expect(cube).toMatchObject({ ownerId: 'mallory', acl: [] });
    expect((await mos.listCubes({ userId: 'alice' })).map((c) => c.id)).toEqual(['vault']);
    const { items } = await mos.getAll({ userId: 'mallory', cubeIds: ['evil'] });
    for (const it of items) {
      expect(it.ownerId).toBe('mallory');
      expect(it.payloadRef).toBeUndefined();
      for (const v of await mos.history({ userId: 'mallory', id: it.id })) {
        expect(v.snapshot.ownerId).toBe('mallory');
        expect(v.snapshot.payloadRef).toBeUndefined();
      }
    }
    expect(items.find((i) => i.id === 'a1')!.sources).toEqual([{ role: 'user', speaker: 'Mallory', chunkIndex: 2 }]);
    expect((await mos.getAll({ userId: 'alice', filter: { ownerId: 'alice' } })).items.map((i) => i.id)).toEqual([victimId]);
  });

  it('loads the same dump twice with remintIds: true (new cube and item ids each time)', async () => {
    const dump = baseDump(mos.embedder);
    const dir = await writeDump(join(scratch, 'twice'), dump);
    const first = await loadReminted({ dir });
    const second = await loadReminted({ dir });
    expect(new Set([first.id, second.id, 'evil']).size).toBe(3);
    await checkLoadedCube(first.id, dump);
    await checkLoadedCube(second.id, dump);
    const named = await loadReminted({ dir, cubeId: 'evil-3' });
    expect(named.id).toBe('evil-3');
  });

  it('removes the partial cube when a write fails midway', async () => {
    const dir = await writeDump(join(scratch, 'fail'), baseDump());
    const before = await apiState(mos);
    let writes = 0;
    const failing = new Proxy(mos.graph, {
      get(target, prop) {
        if (prop === 'write') {
          return async (batch: Parameters<GraphStore['write']>[0]) => {
            if (++writes === 2) throw new StorageError('sqlite', 'write', 'disk full (injected)');
            return target.write(batch);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(loadCube({ ctx: contextOf(mos, failing), dir, userId: 'mallory', schemaVersion: 1 })).rejects.toBeInstanceOf(StorageError);
    expect(writes).toBe(2);
    expect(await mos.graph.getCube('evil')).toBeUndefined();
    expect(await mos.graph.getItems(['a1', 'a2'])).toEqual([]);
    expect(await apiState(mos)).toEqual(before);
  });
});

describe('loadCube cleanup after a failed write', () => {
  it('never removes a cube that another writer put under the same id meanwhile', async () => {
    const dir = await writeDump(join(scratch, 'race'), baseDump());
    const theirs = { id: 'evil', name: 'Created by alice meanwhile', ownerId: 'alice', embedder: { fingerprint: mos.embedder.fingerprint, dimension: mos.embedder.dimension }, schemaVersion: 1, acl: [], createdAt: T1, updatedAt: T1 };
    const racing = new Proxy(mos.graph, {
      get(target, prop) {
        if (prop === 'write') {
          return async () => {
            await target.putCube(theirs);
            throw new StorageError('sqlite', 'write', 'lost a race (injected)');
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(loadCube({ ctx: contextOf(mos, racing), dir, userId: 'mallory', schemaVersion: 1 })).rejects.toBeInstanceOf(StorageError);
    expect(await mos.graph.getCube('evil')).toEqual(theirs);
  });
});

describe('dumpCube includeDeleted', () => {
  it('leaves deleted items, their versions, edges and vectors out when false', async () => {
    const { items } = await mos.add({ userId: 'alice', cubeId: 'vault', text: 'the harbour opens at six' });
    await mos.relate({ userId: 'alice', from: victimId, to: items[0]!.id, type: 'RELATE_TO' });
    await mos.delete({ userId: 'alice', id: victimId });
    const { dumpCube } = await import('./dump-cube.ts');
    const cube = (await mos.graph.getCube('vault'))!;
    const dir = join(scratch, 'no-deleted');
    const { manifest } = await dumpCube({ ctx: contextOf(mos), cube, dir, includeEmbeddings: true, includeDeleted: false, now: T1 });
    expect(manifest.counts).toEqual({ memories: 1, edges: 0, versions: 1, embeddings: 1 });
    const full = await dumpCube({ ctx: contextOf(mos), cube, dir: join(scratch, 'with-deleted'), includeEmbeddings: true, now: T1 });
    expect(full.manifest.counts).toEqual({ memories: 2, edges: 1, versions: 4, embeddings: 1 });
    const other = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
    await other.setup();
    await other.createUser({ id: 'alice', name: 'Alice' });
    await other.loadCube({ userId: 'alice', dir });
    const loaded = (await other.getAll({ userId: 'alice', filter: { statuses: ['active', 'deleted'] } })).items;
    expect(loaded.map((i: MemoryItem) => i.id)).toEqual([items[0]!.id]);
    await other.close();
  });
});
