/**
 * Forgetting forgets (issue 9, defect 9): after `forget` of items, of a cube and of a user, every
 * store is scanned for any trace of the forgotten text (unique marker words and their index terms)
 * and of the forgotten ids: the SQLite file's bytes with its -wal/-shm (after the checkpoint and
 * VACUUM that `forget` runs) and every row of every table but `audit`; every node and relationship
 * property of the Neo4j namespace; ids, metadata and documents of the Chroma collections; and the
 * dump directories the runtime wrote. A kept item's marker must still be found: the scan can fail.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ChromaClient } from 'chromadb';
import neo4j from 'neo4j-driver';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { createMemOS, tokenize, type MemOS, type StorageOption } from '@memos-js/core';
import { createChromaVectorStore } from '@memos-js/core/chroma';
import { createNeo4jStorage } from '@memos-js/core/neo4j';

vi.setConfig({ testTimeout: 180_000 });

const BACKENDS = ['sqlite', 'neo4j-chroma', 'neo4j'] as const;
type Backend = (typeof BACKENDS)[number];

/** Lower-case letters only, so the tokenizer keeps each marker as one term. */
function marker(label: string): string {
  const letters = 'bcdfghjklmnpqrstvwxz';
  let out = `qx${label}`;
  for (let i = 0; i < 10; i += 1) out += letters[Math.floor(Math.random() * letters.length)];
  return out;
}

/** Everything the scan looks for: raw strings and the index terms of the marker words. */
function needlesOf(markers: readonly string[], ids: readonly string[]): { text: string[]; ids: string[] } {
  return { text: [...new Set(markers.flatMap((m) => [m, ...tokenize(m)]))], ids: [...ids] };
}

interface Fixture {
  mos: MemOS;
  scratch: string;
  /** Every string found in the store, with where it was found (audit records apart). */
  dump(): Promise<{ place: string; value: string; audit: boolean }[]>;
  /** Raw bytes of the store's files (SQLite only). */
  bytes(): Buffer[];
  drop(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
});

async function open(backend: Backend): Promise<Fixture> {
  const scratch = mkdtempSync(join(tmpdir(), 'memos-forget-scan-'));
  const tag = `fs_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
  const neo4jUrl = inject('neo4jUrl') || process.env['MEMOS_NEO4J_URL'] || '';
  const chromaUrl = inject('chromaUrl') || process.env['MEMOS_CHROMA_URL'] || '';
  let storage: StorageOption;
  const path = join(scratch, 'memos.db');
  if (backend === 'sqlite') storage = { kind: 'sqlite', path };
  else {
    if (!neo4jUrl || (backend === 'neo4j-chroma' && !chromaUrl)) throw new Error('needs real Neo4j and Chroma servers (run through vitest)');
    storage = { kind: 'neo4j', neo4j: { url: neo4jUrl, namespace: tag }, ...(backend === 'neo4j-chroma' ? { chroma: { url: chromaUrl, collectionPrefix: tag } } : {}) };
  }
  const mos = createMemOS({ storage, rootUser: { id: 'root' }, vectorRetry: false });
  await mos.setup();

  const dumpSqlite = async () => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const out: { place: string; value: string; audit: boolean }[] = [];
      const tables = db.prepare("select name from sqlite_master where type = 'table'").all().map((row) => String(row['name']));
      for (const table of tables) {
        let rows: Record<string, unknown>[];
        try {
          rows = db.prepare(`select * from "${table.replaceAll('"', '""')}"`).all() as Record<string, unknown>[];
        } catch {
          continue; // vec0 virtual tables need the extension; their shadow tables are scanned as plain tables
        }
        for (const row of rows) {
          for (const [column, value] of Object.entries(row)) {
            const text = value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : String(value);
            out.push({ place: `${table}.${column}`, value: text, audit: table === 'audit' });
          }
        }
      }
      return out;
    } finally {
      db.close();
    }
  };

  const dumpNeo4j = async () => {
    const driver = neo4j.driver(neo4jUrl, neo4j.auth.basic('neo4j', 'neo4j'));
    const session = driver.session();
    try {
      const out: { place: string; value: string; audit: boolean }[] = [];
      const nodes = await session.run('MATCH (n) WHERE n.ns = $ns RETURN labels(n) AS labels, properties(n) AS props', { ns: tag });
      for (const record of nodes.records) {
        const labels = record.get('labels') as string[];
        for (const [key, value] of Object.entries(record.get('props') as Record<string, unknown>)) {
          out.push({ place: `${labels.join(':')}.${key}`, value: JSON.stringify(value), audit: labels.includes('Audit') });
        }
      }
      const rels = await session.run('MATCH (a)-[r]->(b) WHERE a.ns = $ns OR b.ns = $ns RETURN type(r) AS type, properties(r) AS props', { ns: tag });
      for (const record of rels.records) out.push({ place: `rel:${String(record.get('type'))}`, value: JSON.stringify(record.get('props')), audit: false });
      return out;
    } finally {
      await session.close();
      await driver.close();
    }
  };

  const dumpChroma = async () => {
    const url = new URL(chromaUrl);
    const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: url.protocol === 'https:' });
    const out: { place: string; value: string; audit: boolean }[] = [];
    const collections = (await client.listCollections({ limit: 1000 })).filter((c) => c.name.startsWith(`${tag}_`));
    expect(collections.length, 'the Chroma collection of the cube space exists').toBeGreaterThan(0);
    for (const collection of collections) {
      const got = await collection.get({ include: ['documents', 'metadatas'] as never });
      got.ids.forEach((id, i) => out.push({ place: `chroma:${collection.name}`, value: JSON.stringify([id, got.metadatas?.[i] ?? null, got.documents?.[i] ?? null]), audit: false }));
    }
    return out;
  };

  const dumpDirs = () => {
    const out: { place: string; value: string; audit: boolean }[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (!full.startsWith(path)) out.push({ place: full, value: readFileSync(full, 'latin1'), audit: false });
      }
    };
    walk(scratch);
    return out;
  };

  const fixture: Fixture = {
    mos,
    scratch,
    async dump() {
      const stores = backend === 'sqlite' ? await dumpSqlite() : [...(await dumpNeo4j()), ...(backend === 'neo4j-chroma' ? await dumpChroma() : [])];
      return [...stores, ...dumpDirs()];
    },
    bytes() {
      return backend === 'sqlite' ? ['', '-wal', '-shm'].filter((suffix) => existsSync(path + suffix)).map((suffix) => readFileSync(path + suffix)) : [];
    },
    async drop() {
      await mos.close().catch(() => undefined);
      if (backend !== 'sqlite') {
        const graph = createNeo4jStorage({ url: neo4jUrl, namespace: tag });
        await graph.dropNamespace();
        await graph.close();
        if (backend === 'neo4j-chroma') {
          const chroma = createChromaVectorStore({ url: chromaUrl, collectionPrefix: tag });
          await chroma.setup();
          await chroma.dropCollections();
          await chroma.close();
        }
      }
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  cleanups.push(() => fixture.drop());
  return fixture;
}

for (const backend of BACKENDS) {
  describe.sequential(`forget leaves no trace on ${backend}`, () => {
    it('items, a cube and a user: no marker text anywhere (audit included), no forgotten id outside the audit; kept data is still found', async () => {
      const f = await open(backend);
      const { mos } = f;
      const m = { item: marker('item'), edit: marker('edit'), cube: marker('cube'), user: marker('user'), userCube: marker('ucube'), kept: marker('kept') };
      await mos.createUser({ id: 'alice', name: 'Alice' });
      await mos.createUser({ id: 'bobforget', name: 'Bob' });
      await mos.createCube({ userId: 'alice', id: 'shared', name: 'Shared' });
      await mos.createCube({ userId: 'alice', id: 'doomed', name: 'Doomed' });
      await mos.shareCube({ userId: 'alice', cubeId: 'shared', withUserId: 'bobforget', access: 'write' });

      // Items: one to forget (edited, so its history holds two texts; related; dumped), one kept.
      const { items } = await mos.add({ userId: 'alice', cubeId: 'shared', messages: [
        { role: 'user', content: `the secret word is ${m.item}` },
        { role: 'user', content: `remember ${m.kept} for later` },
      ] });
      const [gone, kept] = items as [NonNullable<(typeof items)[0]>, NonNullable<(typeof items)[0]>];
      await mos.update({ userId: 'alice', id: gone.id, text: `the secret word is ${m.item}, also ${m.edit}` });
      await mos.relate({ userId: 'alice', from: kept.id, to: gone.id, type: 'RELATE_TO' });
      await mos.search({ userId: 'alice', query: m.item });
      await mos.dumpCube({ userId: 'alice', cubeId: 'shared', dir: join(f.scratch, 'dump-shared'), includeEmbeddings: true });
      // A cube to forget whole, dumped too.
      const { items: doomedItems } = await mos.add({ userId: 'alice', cubeId: 'doomed', text: `the doomed cube holds ${m.cube}` });
      await mos.dumpCube({ userId: 'alice', cubeId: 'doomed', dir: join(f.scratch, 'dump-doomed') });
      // A user to forget: an item in alice's cube, a cube of their own.
      const { items: bobItems } = await mos.add({ userId: 'bobforget', cubeId: 'shared', text: `bob wrote ${m.user}` });
      await mos.createCube({ userId: 'bobforget', id: 'bobcube', name: 'Bob cube' });
      const { items: bobCubeItems } = await mos.add({ userId: 'bobforget', cubeId: 'bobcube', text: `bob private ${m.userCube}` });

      // Before: the scan finds every marker (it can fail).
      const before = await f.dump();
      for (const word of Object.values(m)) expect(before.some((e) => e.value.includes(word)), `${word} stored before forget`).toBe(true);

      expect((await mos.forget({ userId: 'alice', ids: [gone.id] })).items).toBe(1);
      expect((await mos.forget({ userId: 'alice', cubeId: 'doomed' })).cubeIds).toStrictEqual(['doomed']);
      expect((await mos.forget({ userId: 'bobforget', forgetUserId: 'bobforget' })).items).toBe(2);
      // Reads still work afterwards and the kept item is intact.
      expect((await mos.get({ userId: 'alice', id: kept.id })).text).toContain(m.kept);
      expect((await mos.search({ userId: 'alice', query: m.kept })).hits[0]?.item.id).toBe(kept.id);

      const forgottenIds = [gone.id, doomedItems[0]!.id, bobItems[0]!.id, bobCubeItems[0]!.id, 'doomed', 'bobcube', 'bobforget'];
      const needles = needlesOf([m.item, m.edit, m.cube, m.user, m.userCube], forgottenIds);
      const after = await f.dump();
      for (const word of needles.text) {
        const hits = after.filter((e) => e.value.includes(word)).map((e) => e.place);
        expect(hits, `forgotten text ${word} still stored`).toStrictEqual([]);
      }
      for (const id of needles.ids) {
        const hits = after.filter((e) => !e.audit && e.value.includes(id)).map((e) => e.place);
        expect(hits, `forgotten id ${id} still stored outside the audit`).toStrictEqual([]);
      }
      // Positive controls: the kept item's text and id are found by the same scan.
      expect(after.some((e) => e.value.includes(m.kept))).toBe(true);
      expect(after.some((e) => !e.audit && e.value.includes(kept.id))).toBe(true);
      // The dump that held the forgotten item and the forgotten cube's dump are gone.
      expect(existsSync(join(f.scratch, 'dump-shared'))).toBe(false);
      expect(existsSync(join(f.scratch, 'dump-doomed'))).toBe(false);
      // The audit kept a record of each forget, with ids and counts only.
      const trail = await mos.audit({ userId: 'root', action: ['forget', 'forgetCube', 'forgetUser'] });
      expect(trail.map((r) => r.action).sort()).toStrictEqual(['forget', 'forget', 'forgetCube', 'forgetCube', 'forgetUser']);

      // SQLite: the bytes of the file and its WAL/SHM hold none of the forgotten text (the kept marker is there).
      const files = f.bytes();
      if (backend === 'sqlite') {
        expect(files.length).toBeGreaterThan(0);
        for (const word of needles.text) for (const bytes of files) expect(bytes.includes(Buffer.from(word, 'utf8')), `${word} in the SQLite file bytes`).toBe(false);
        expect(files.some((bytes) => bytes.includes(Buffer.from(m.kept, 'utf8')))).toBe(true);
      }
    });

    it('deleteCube racing adds leaves no orphans: the cube id is nowhere outside the audit (graph, keyword counters, vectors)', async () => {
      const f = await open(backend);
      const { mos } = f;
      await mos.createUser({ id: 'alice', name: 'Alice' });
      await mos.createCube({ userId: 'alice', id: 'racecube', name: 'Race' });
      await mos.createCube({ userId: 'alice', id: 'calm', name: 'Calm' });
      await mos.add({ userId: 'alice', cubeId: 'calm', text: 'a calm note that stays' });
      // Staggered adds; the deletion starts when the fourth has landed, so some are in flight and some come after.
      const adds = Array.from({ length: 24 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 4));
        return mos.add({ userId: 'alice', cubeId: 'racecube', text: `racing note number ${i}` });
      });
      const deletion = Promise.allSettled(adds.slice(0, 4)).then(() => mos.deleteCube({ userId: 'alice', cubeId: 'racecube' }));
      const settled = await Promise.allSettled([...adds, deletion]);
      const failures = settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason as { code?: string });
      for (const failure of failures) expect(failure.code).toBe('MEMOS_NOT_FOUND');
      expect(settled.at(-1)?.status).toBe('fulfilled');
      const landed = settled.slice(0, -1).filter((s) => s.status === 'fulfilled').length;
      const after = await f.dump();
      const leftovers = after.filter((e) => !e.audit && e.value.includes('racecube')).map((e) => e.place);
      expect(leftovers, `orphans of racecube (${landed} adds landed before the deletion, ${failures.length} failed)`).toStrictEqual([]);
      expect(after.some((e) => !e.audit && e.value.includes('calm'))).toBe(true);
      expect(await mos.vector.listIds({ space: mos.embedder, cubeIds: ['racecube'] })).toStrictEqual([]);
      const trail = await mos.audit({ userId: 'root', cubeId: 'racecube' });
      expect(trail[0]).toMatchObject({ action: 'deleteCube', actor: 'alice' });
      expect(trail.filter((r) => r.action === 'add')).toHaveLength(landed);
      expect(landed, 'adds before the deletion').toBeGreaterThanOrEqual(4);
      await expect(mos.add({ userId: 'alice', cubeId: 'racecube', text: 'too late' })).rejects.toMatchObject({ code: 'MEMOS_NOT_FOUND' });
    });
  });
}
