import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError } from '../../errors/closed-error.ts';
import { StorageError } from '../../errors/storage-error.ts';
import { createFixtures, toItemWrite } from '../../testing/fixtures.ts';
import { createSqliteStorage, type SqliteStorage } from './create-sqlite-storage.ts';
import { SQLITE_SCHEMA_VERSION } from './sqlite-schema.ts';

const dirs: string[] = [];
const storages: SqliteStorage[] = [];

function tempPath(...parts: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'memos-sqlite-'));
  dirs.push(dir);
  return join(dir, ...parts);
}

function open(path: string, options: { busyTimeoutMs?: number } = {}): SqliteStorage {
  const storage = createSqliteStorage({ path, ...options });
  storages.push(storage);
  return storage;
}

afterEach(async () => {
  for (const storage of storages.splice(0)) await storage.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SQLite storage', () => {
  it('creates parent directories, uses WAL and keeps data across reopen; setup is idempotent', async () => {
    const path = tempPath('nested', 'deeper', 'memos.db');
    const fx = createFixtures({ prefix: 'file' });
    const item = fx.fullItem({ id: `it's "quoted"; drop table memory; --` });
    const first = open(path);
    await first.graph.setup();
    await first.graph.setup();
    await first.vector.setup();
    await first.graph.write({ items: [toItemWrite(item)] });
    await first.vector.upsert({ space: { fingerprint: 'f', dimension: 2 }, records: [fx.vectorRecord({ id: item.id, vector: [0.6, 0.8] })] });
    expect(first.connection.db.prepare('pragma journal_mode').get()?.['journal_mode']).toBe('wal');
    await first.close();

    const second = open(path);
    await second.vector.setup();
    await second.graph.setup();
    expect(await second.graph.getItems([item.id])).toStrictEqual([item]);
    expect(await second.vector.listIds({ space: { fingerprint: 'f', dimension: 2 }, cubeIds: [item.cubeId] })).toStrictEqual([item.id]);
    const version = second.connection.db.prepare(`select value from meta where key = 'schema_version'`).get()?.['value'];
    expect(Number(version)).toBe(SQLITE_SCHEMA_VERSION);
  });

  it('throws ClosedError before setup and after close; closes the file when both stores closed', async () => {
    const storage = open(':memory:');
    const error = await storage.graph.getItems(['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClosedError);
    expect((error as ClosedError).message).toContain('not set up');
    await expect(storage.vector.listIds({ space: { fingerprint: 'f', dimension: 2 }, cubeIds: [] })).rejects.toThrow('not set up');
    await storage.graph.setup();
    await storage.vector.setup();
    await storage.graph.close();
    expect(storage.connection.isOpen).toBe(true);
    expect(await storage.vector.listIds({ space: { fingerprint: 'f', dimension: 2 }, cubeIds: ['c'] })).toStrictEqual([]);
    await storage.vector.close();
    expect(storage.connection.isOpen).toBe(false);
    await expect(storage.graph.setup()).rejects.toBeInstanceOf(ClosedError);
    await storage.close();
  });

  it('rolls back a batch that fails inside the transaction and stays usable', async () => {
    const storage = open(':memory:');
    await storage.graph.setup();
    const fx = createFixtures({ prefix: 'tx' });
    const [good, boom] = [fx.item(), fx.item({ id: 'boom' })];
    storage.connection.db.exec(
      `create temp trigger fail_boom before insert on memory when new.id = 'boom' begin select raise(abort, 'boom refused'); end`,
    );
    const error = await storage.graph
      .write({ items: [toItemWrite(good), toItemWrite(boom)], edges: [fx.edge({ from: good.id, to: 'boom' })], audit: [fx.audit()] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain('boom refused');
    expect((error as StorageError).isRetryable).toBe(false);
    expect(storage.connection.db.isTransaction).toBe(false);
    expect(await storage.graph.getItems([good.id])).toStrictEqual([]);
    expect(await storage.graph.listEdges({ cubeIds: [good.cubeId] })).toStrictEqual([]);
    expect(await storage.graph.keywordStats({ terms: ['memori'], filter: {} })).toMatchObject({ docCount: 0, totalLength: 0 });
    await storage.graph.write({ items: [toItemWrite(good)] });
    expect(await storage.graph.getItems([good.id])).toStrictEqual([good]);
  });

  it('reports a locked database as a retryable StorageError', async () => {
    const path = tempPath('locked.db');
    const storage = open(path, { busyTimeoutMs: 20 });
    await storage.graph.setup();
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await storage.graph.write({ items: [toItemWrite(createFixtures().item())] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).isRetryable).toBe(true);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('shares one file between two connections (WAL): each sees the other\'s commits and vector spaces', async () => {
    const path = tempPath('shared.db');
    const [a, b] = [open(path), open(path)];
    await Promise.all([a.graph.setup(), a.vector.setup(), b.graph.setup(), b.vector.setup()]);
    const fx = createFixtures({ prefix: 'wal' });
    const space = { fingerprint: 'shared', dimension: 2 };
    const [first, second] = [fx.item(), fx.item()];
    expect(await b.vector.query({ space, vector: [1, 0], topK: 3, cubeIds: [first.cubeId] })).toStrictEqual([]);
    await a.graph.write({ items: [toItemWrite(first, ['alpha'])] });
    await a.vector.upsert({ space, records: [fx.vectorRecord({ id: first.id, cubeId: first.cubeId, vector: [1, 0] })] });
    expect(await b.graph.getItems([first.id])).toStrictEqual([first]);
    expect((await b.vector.query({ space, vector: [1, 0], topK: 3, cubeIds: [first.cubeId] })).map((hit) => hit.id)).toStrictEqual([first.id]);
    await b.graph.write({ items: [toItemWrite(second, ['alpha'])] });
    await b.vector.upsert({ space, records: [fx.vectorRecord({ id: second.id, cubeId: second.cubeId, vector: [0, 1] })] });
    expect(await a.graph.keywordStats({ terms: ['alpha'], filter: { cubeIds: [first.cubeId] } })).toStrictEqual({ docCount: 2, totalLength: 2, df: { alpha: 2 } });
    expect(await a.vector.listIds({ space, cubeIds: [first.cubeId] })).toStrictEqual([first.id, second.id].sort());
  });

  it('refuses a database written by a newer schema', async () => {
    const path = tempPath('newer.db');
    const storage = open(path);
    await storage.graph.setup();
    storage.connection.db.exec(`update meta set value = '999' where key = 'schema_version'`);
    await storage.close();
    const again = open(path);
    await expect(again.graph.setup()).rejects.toThrow('newer');
  });

  it('answers topK beyond the sqlite-vec k limit by scanning, with the same ranking', async () => {
    const storage = open(':memory:');
    await storage.vector.setup();
    const space = { fingerprint: 'scan', dimension: 3 };
    const fx = createFixtures({ prefix: 'scan' });
    const records = Array.from({ length: 50 }, (_, i) => fx.vectorRecord({ cubeId: i % 2 ? 'a' : 'b', vector: [Math.cos(i + 1), Math.sin(i + 1), (i % 5) / 5] }));
    records.push(...['z2', 'z1', 'z3'].map((id) => fx.vectorRecord({ id, cubeId: 'a', vector: [1, 0, 0] })));
    await storage.vector.upsert({ space, records });
    const knn = await storage.vector.query({ space, vector: [1, 0, 0], topK: 60, cubeIds: ['a', 'b'] });
    const scan = await storage.vector.query({ space, vector: [1, 0, 0], topK: 5000, cubeIds: ['a', 'b'] });
    expect(scan.map((hit) => hit.id)).toStrictEqual(knn.map((hit) => hit.id));
    expect(knn.slice(0, 3).map((hit) => hit.id)).toStrictEqual(['z1', 'z2', 'z3']);
    const two = await storage.vector.query({ space, vector: [1, 0, 0], topK: 2, cubeIds: ['a'] });
    expect(two.map((hit) => hit.id)).toStrictEqual(['z1', 'z2']);
  });
});
