import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtures, isoAt, toItemWrite } from '../../testing/fixtures.ts';
import { createSqliteStorage, type SqliteStorage } from './create-sqlite-storage.ts';
import { itemParams } from './sqlite-item-rows.ts';
import { migrateSqlite, SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from './sqlite-schema.ts';

const dirs: string[] = [];
const storages: SqliteStorage[] = [];
afterEach(async () => {
  for (const storage of storages.splice(0)) await storage.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SQLite migrations', () => {
  it('brings a version-1 file (no pinned column) to the current schema once; old items keep working, TTL and pinning apply', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memos-migrate-'));
    dirs.push(dir);
    const path = join(dir, 'old.db');
    const fx = createFixtures({ prefix: 'mig' });
    const old = fx.item({ cubeId: 'c', text: 'written by version one', expiresAt: isoAt(100) });
    // A file as the first release wrote it: schema 1 only, an item row without the later columns.
    const v1 = new DatabaseSync(path);
    migrateSqlite(v1, SQLITE_MIGRATIONS.slice(0, 1));
    const columns = ['id', 'cube_id', 'owner_id', 'session_id', 'kind', 'memory_type', 'text', 'key', 'tags', 'metadata', 'confidence', 'status', 'version', 'sources', 'valid_at', 'invalid_at', 'created_at', 'updated_at', 'expired_at', 'expires_at', 'access_count', 'last_accessed_at', 'importance', 'embedding_model', 'vector_sync_state', 'payload_ref', 'doc_length'];
    const params = itemParams(old, 3);
    const values = [...params.slice(0, 26), params[params.length - 1]!];
    v1.prepare(`insert into memory (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`).run(...values);
    v1.close();

    const storage = createSqliteStorage({ path });
    storages.push(storage);
    await storage.graph.setup();
    await storage.graph.setup();
    const db = storage.connection.db;
    expect(db.prepare(`select value from meta where key = 'schema_version'`).get()?.['value']).toBe(String(SQLITE_SCHEMA_VERSION));
    expect(db.prepare(`select count(*) as n from pragma_table_info('memory') where name = 'pinned'`).get()?.['n']).toBe(1);
    expect(await storage.graph.getItems([old.id])).toStrictEqual([old]);
    expect(await storage.graph.countItems({ cubeIds: ['c'], expiresAfter: isoAt(100) })).toBe(0);
    await storage.graph.write({ items: [{ ...toItemWrite({ ...old, pinned: true, version: 2 }), expectedVersion: 1 }] });
    expect(await storage.graph.countItems({ cubeIds: ['c'], expiresAfter: isoAt(100) })).toBe(1);
    expect((await storage.graph.getItems([old.id]))[0]?.pinned).toBe(true);
  });
});
