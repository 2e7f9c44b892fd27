/**
 * `createMemOS({ dumps: { root } })`: every dump and load directory must resolve inside the root,
 * through `..`, symbolic links (to a directory, to a file of the dump, dangling) and relative paths;
 * a refused call is a `ValidationError` on `dir` that has read and written nothing.
 */
import { mkdir, mkdtemp, readdir, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemosError } from '../errors/memos-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import { createMemOS, type MemOS } from '../mos.ts';
import { confineDumpDir } from './confine-dump-dir.ts';
import { DUMP_FILES } from './dump-format.ts';

let scratch: string;
let root: string;
let outside: string;
let mos: MemOS;
/** A valid dump outside the root (written by a MOS without a root). */
let outsideDump: string;

async function exists(path: string): Promise<boolean> {
  return readdir(path).then(() => true, () => false);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (error: unknown) => error);
}

/** Everything a refused call must have left alone. */
async function storeState(m: MemOS) {
  return { cubes: (await m.graph.listCubes()).map((c) => c.id), dumps: await m.graph.listDumps({}), audit: (await m.graph.listAudit({})).map((a) => a.action) };
}

beforeEach(async () => {
  scratch = await realpath(await mkdtemp(join(tmpdir(), 'memos-dump-root-')));
  root = join(scratch, 'root');
  outside = join(scratch, 'outside');
  await mkdir(root);
  await mkdir(outside);
  const free = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
  await free.setup();
  await free.createUser({ id: 'alice', name: 'Alice' });
  await free.createCube({ userId: 'alice', id: 'elsewhere', name: 'Elsewhere' });
  await free.add({ userId: 'alice', cubeId: 'elsewhere', text: 'a note from outside the root' });
  outsideDump = join(outside, 'dump');
  await free.dumpCube({ userId: 'alice', cubeId: 'elsewhere', dir: outsideDump });
  await free.close();

  mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, dumps: { root } });
  await mos.setup();
  await mos.createUser({ id: 'alice', name: 'Alice' });
  await mos.createCube({ userId: 'alice', id: 'c1', name: 'Alice memories' });
  await mos.add({ userId: 'alice', cubeId: 'c1', text: 'the harbour opens at six' });
});

afterEach(async () => {
  await mos.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('createMemOS({ dumps: { root } })', () => {
  it('dumps and loads inside the root, by relative and by absolute path', async () => {
    const relative = await mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir: 'exports/c1' });
    expect(relative.dir).toBe(join(root, 'exports', 'c1'));
    expect((await readdir(relative.dir)).sort()).toEqual([DUMP_FILES.edges, DUMP_FILES.manifest, DUMP_FILES.memories, DUMP_FILES.versions].sort());
    const absolute = await mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir: join(root, 'abs') });
    expect(absolute.dir).toBe(join(root, 'abs'));
    const loaded = await mos.loadCube({ userId: 'alice', dir: 'exports/c1', cubeId: 'copy', remintIds: true });
    expect(loaded.lineage?.loadedFrom).toBe(join(root, 'exports', 'c1'));
    expect((await mos.getAll({ userId: 'alice', cubeIds: ['copy'] })).items.map((i) => i.text)).toEqual(['the harbour opens at six']);
  });

  it('refuses dump directories outside the root, by absolute path, by .. and the root itself, writing nothing', async () => {
    const before = await storeState(mos);
    for (const dir of [join(outside, 'x'), '../outside/x', `${root}/../outside/x`, 'exports/../../outside/x', root, '.', '/', '']) {
      const error = await rejection(mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir }));
      expect(error, dir).toBeInstanceOf(MemosError);
      expect(error, dir).toMatchObject({ code: 'MEMOS_VALIDATION' });
      // The schema refuses an empty dir first; every other refusal is the root check's.
      if (dir !== '') expect(error, dir).toMatchObject({ field: 'dir' });
    }
    expect(await readdir(outside)).toEqual(['dump']);
    expect(await readdir(root)).toEqual([]);
    expect(await storeState(mos)).toEqual(before);
  });

  it('refuses loads from outside the root, reading nothing, and the same dump loads once copied inside', async () => {
    const before = await storeState(mos);
    for (const dir of [outsideDump, '../outside/dump', `${root}/../outside/dump`]) {
      const error = await rejection(mos.loadCube({ userId: 'alice', dir }));
      expect(error, dir).toBeInstanceOf(ValidationError);
      expect(error, dir).toMatchObject({ field: 'dir' });
    }
    expect(await storeState(mos)).toEqual(before);
    // Positive control: the dump itself is fine.
    const { cp } = await import('node:fs/promises');
    await cp(outsideDump, join(root, 'copied'), { recursive: true });
    expect((await mos.loadCube({ userId: 'alice', dir: 'copied' })).id).toBe('elsewhere');
  });

  it('refuses a symbolic link inside the root that points outside, for dumps and loads', async () => {
    await symlink(outside, join(root, 'escape'));
    const before = await storeState(mos);
    const dumpError = await rejection(mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir: 'escape/new' }));
    expect(dumpError).toBeInstanceOf(ValidationError);
    expect(dumpError).toMatchObject({ field: 'dir' });
    expect((dumpError as Error).message).not.toContain(scratch);
    const direct = await rejection(mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir: join(root, 'escape') }));
    expect(direct).toMatchObject({ field: 'dir' });
    const loadError = await rejection(mos.loadCube({ userId: 'alice', dir: 'escape/dump' }));
    expect(loadError).toBeInstanceOf(ValidationError);
    expect(loadError).toMatchObject({ field: 'dir' });
    // The link's own parent trick: escape/.. is the root lexically but outside's parent on disk; either way nothing leaks.
    expect(await readdir(outside)).toEqual(['dump']);
    expect(await storeState(mos)).toEqual(before);
  });

  it('refuses a dump whose files are symbolic links leading outside the root', async () => {
    const dir = join(root, 'linked');
    await mkdir(dir);
    for (const name of [DUMP_FILES.manifest, DUMP_FILES.memories, DUMP_FILES.edges, DUMP_FILES.versions]) await symlink(join(outsideDump, name), join(dir, name));
    const before = await storeState(mos);
    const error = await rejection(mos.loadCube({ userId: 'alice', dir: 'linked' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'dir' });
    expect(await storeState(mos)).toEqual(before);
  });

  it('refuses a dangling symbolic link on the way, creating nothing where it points', async () => {
    const target = join(outside, 'not-yet');
    await symlink(target, join(root, 'dangling'));
    const before = await storeState(mos);
    for (const dir of ['dangling', 'dangling/sub']) {
      const error = await rejection(mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir }));
      expect(error, dir).toMatchObject({ code: 'MEMOS_VALIDATION', field: 'dir' });
    }
    expect(await exists(target)).toBe(false);
    expect(await storeState(mos)).toEqual(before);
  });

  it('follows symbolic links that stay inside the root, and writes where the link leads', async () => {
    await mkdir(join(root, 'real'));
    await symlink(join(root, 'real'), join(root, 'alias'));
    const result = await mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir: 'alias/c1' });
    expect(result.dir).toBe(join(root, 'real', 'c1'));
    expect(await readdir(join(root, 'real', 'c1'))).toContain(DUMP_FILES.manifest);
    expect((await mos.loadCube({ userId: 'alice', dir: 'alias/c1', cubeId: 'again', remintIds: true })).id).toBe('again');
  });

  it('a root that is missing when called is a ValidationError on dumps.root; a malformed root is refused at creation', async () => {
    const gone = join(scratch, 'gone');
    const m = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, dumps: { root: gone } });
    await m.setup();
    await m.createUser({ id: 'alice', name: 'Alice' });
    await m.createCube({ userId: 'alice', id: 'c1', name: 'c1' });
    await expect(m.dumpCube({ userId: 'alice', cubeId: 'c1', dir: 'x' })).rejects.toMatchObject({ code: 'MEMOS_VALIDATION', field: 'dumps.root' });
    expect(await exists(gone)).toBe(false);
    await m.close();
    for (const dumps of [{ root: '' }, { root: 5 }, {}, null]) {
      expect(() => createMemOS({ dumps: dumps as { root: string } })).toThrow(ValidationError);
    }
  });

  it('without a root, dumps still go anywhere (unchanged default)', async () => {
    const free = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
    await free.setup();
    await free.createUser({ id: 'bob', name: 'Bob' });
    await free.createCube({ userId: 'bob', id: 'b1', name: 'b1' });
    const dir = join(outside, 'free');
    expect((await free.dumpCube({ userId: 'bob', cubeId: 'b1', dir })).dir).toBe(dir);
    await free.close();
  });
});

describe('confineDumpDir', () => {
  it('resolves inside the real root and refuses everything else', async () => {
    await expect(confineDumpDir({ root, dir: 'a/b', purpose: 'dump' })).resolves.toBe(join(root, 'a', 'b'));
    await expect(confineDumpDir({ root, dir: '..x', purpose: 'dump' })).resolves.toBe(join(root, '..x'));
    for (const dir of ['..', '../x', '/etc', 'a/../../x', 'a\0b']) {
      await expect(confineDumpDir({ root, dir, purpose: 'dump' }), dir).rejects.toMatchObject({ field: 'dir' });
    }
    // A root given through a symbolic link is its real directory.
    await symlink(root, join(scratch, 'root-link'));
    await expect(confineDumpDir({ root: join(scratch, 'root-link'), dir: 'a', purpose: 'load' })).resolves.toBe(join(root, 'a'));
    await expect(confineDumpDir({ root: join(scratch, 'root-link'), dir: join(root, 'a'), purpose: 'load' })).resolves.toBe(join(root, 'a'));
  });
});
