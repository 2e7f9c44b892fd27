import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFixtures, toItemWrite } from '../../testing/fixtures.ts';
import { createSqliteStorage } from './create-sqlite-storage.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fileBytes(path: string): Buffer[] {
  return ['', '-wal', '-shm'].filter((suffix) => existsSync(path + suffix)).map((suffix) => readFileSync(path + suffix));
}

describe('SQLite forget + compact', () => {
  it('removed rows linger in the WAL until compact; afterwards no byte of the file, WAL or SHM holds them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memos-sqlite-forget-'));
    dirs.push(dir);
    const path = join(dir, 'memos.db');
    const storage = createSqliteStorage({ path });
    await storage.graph.setup();
    const fx = createFixtures({ prefix: 'sf' });
    const secret = 'qxsecretmarkerzzkv';
    const kept = 'qxkeptmarkerwwplm';
    const gone = fx.item({ cubeId: 'c', text: `the ${secret} text` });
    const stays = fx.item({ cubeId: 'c', text: `the ${kept} text` });
    await storage.graph.write({ items: [toItemWrite(gone, [secret]), toItemWrite(stays, [kept])], versions: [fx.version(gone)] });
    const has = (word: string) => fileBytes(path).some((bytes) => bytes.includes(Buffer.from(word)));
    expect(has(secret)).toBe(true);
    expect(await storage.graph.forgetItems({ cubeId: 'c', ids: [gone.id] })).toStrictEqual({ ids: [gone.id], versions: 1, edges: 0 });
    // The committed WAL frames still hold the page images from before the delete.
    expect(has(secret)).toBe(true);
    expect(await storage.graph.compact()).toBe(true);
    expect(has(secret)).toBe(false);
    expect(has(kept)).toBe(true);
    expect(statSize(path + '-wal')).toBe(0);
    await storage.close();
  });
});

describe('SQLite compact with another connection', () => {
  it('reports false (and does not throw) while another connection holds a read transaction, true once it ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memos-sqlite-compact-'));
    dirs.push(dir);
    const path = join(dir, 'memos.db');
    const storage = createSqliteStorage({ path, busyTimeoutMs: 50 });
    await storage.graph.setup();
    const fx = createFixtures({ prefix: 'sc' });
    await storage.graph.write({ items: [toItemWrite(fx.item({ cubeId: 'c' }))] });
    const other = createSqliteStorage({ path });
    await other.graph.setup();
    other.connection.db.exec('BEGIN');
    other.connection.db.prepare('select count(*) from memory').get();
    expect(await storage.graph.compact()).toBe(false);
    other.connection.db.exec('COMMIT');
    expect(await storage.graph.compact()).toBe(true);
    await other.close();
    await storage.close();
  });
});

function statSize(path: string): number {
  return existsSync(path) ? readFileSync(path).length : 0;
}
