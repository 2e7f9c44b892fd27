import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedError, MemosError, NotFoundError } from '../errors/index.ts';
import { createMemOS, type MemOS } from '../mos.ts';
import type { MemoryItem } from '../spec/index.ts';

// Isolation through the MOS: every lookup by id is scoped to the actor's cubes in the store query, a
// non-member cannot tell "exists elsewhere" from "does not exist", deleted content is for restorers only,
// dumping needs a share right, and admins are made only by admins.

const SECRET = 'zanzibar-secret-marker';
let mos: MemOS;
let victim: MemoryItem;

beforeEach(async () => {
  mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, rootUser: { id: 'root', name: 'Root' } });
  await mos.setup();
  for (const id of ['alice', 'mallory', 'reader', 'writer']) await mos.createUser({ id, name: id });
  await mos.createCube({ userId: 'alice', id: 'private', name: 'Alice private' });
  await mos.createCube({ userId: 'mallory', id: 'attacker', name: 'Mallory' });
  [victim] = (await mos.add({ userId: 'alice', cubeId: 'private', text: `Alice's ${SECRET} is 1234` })).items as [MemoryItem];
  await mos.shareCube({ userId: 'alice', cubeId: 'private', withUserId: 'reader', access: 'read' });
  await mos.shareCube({ userId: 'alice', cubeId: 'private', withUserId: 'writer', access: 'write' });
});
afterEach(async () => {
  await mos.close();
});

async function failure(promise: Promise<unknown>): Promise<MemosError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MemosError);
  return error as MemosError;
}

/** The error for an id the actor may not read, with the id replaced, equals the one for an unknown id. */
async function sameAsMissing(call: (id: string) => Promise<unknown>): Promise<void> {
  const hidden = await failure(call(victim.id));
  const missing = await failure(call('no-such-item'));
  expect(hidden).toBeInstanceOf(NotFoundError);
  expect(missing).toBeInstanceOf(NotFoundError);
  expect(hidden.message.replace(victim.id, 'X')).toBe(missing.message.replace('no-such-item', 'X'));
  expect(hidden.message).not.toContain(SECRET);
  expect(hidden.message).not.toContain('private');
}

describe('lookups by id are scoped to the actor', () => {
  it('gives a non-member the same NotFoundError for a victim item as for a missing one, on every by-id call', async () => {
    await sameAsMissing((id) => mos.get({ userId: 'mallory', id }));
    await sameAsMissing((id) => mos.history({ userId: 'mallory', id }));
    await sameAsMissing((id) => mos.update({ userId: 'mallory', id, text: 'pwned' }));
    await sameAsMissing((id) => mos.delete({ userId: 'mallory', id }));
    await sameAsMissing((id) => mos.rollback({ userId: 'mallory', id, version: 1 }));
    await sameAsMissing((id) => mos.invalidate({ userId: 'mallory', id }));
    const [own] = (await mos.add({ userId: 'mallory', cubeId: 'attacker', text: 'mine' })).items as [MemoryItem];
    await sameAsMissing((id) => mos.relate({ userId: 'mallory', from: own.id, to: id, type: 'RELATE_TO' }));
    await sameAsMissing((id) => mos.relate({ userId: 'mallory', from: id, to: own.id, type: 'RELATE_TO' }));
    await sameAsMissing((id) => mos.invalidate({ userId: 'mallory', id: own.id, supersededBy: id }));
    await expect(mos.getAll({ userId: 'mallory', filter: { ids: [victim.id] } })).resolves.toMatchObject({ total: 0, items: [] });
    expect((await mos.search({ userId: 'mallory', query: SECRET })).hits).toEqual([]);
    // Nothing changed for the owner.
    expect(await mos.history({ userId: 'alice', id: victim.id })).toHaveLength(1);
    expect((await mos.get({ userId: 'alice', id: victim.id })).text).toContain(SECRET);
  });

  it('treats a cube the actor cannot read like a missing cube', async () => {
    const hidden = await failure(mos.search({ userId: 'mallory', query: 'x', cubeIds: ['private'] }));
    const missing = await failure(mos.search({ userId: 'mallory', query: 'x', cubeIds: ['nowhere'] }));
    expect(hidden).toBeInstanceOf(NotFoundError);
    expect(hidden.message.replace('private', 'X')).toBe(missing.message.replace('nowhere', 'X'));
    for (const call of [
      () => mos.add({ userId: 'mallory', cubeId: 'private', text: 'x' }),
      () => mos.dumpCube({ userId: 'mallory', cubeId: 'private', dir: '/nonexistent/never-written' }),
      () => mos.audit({ userId: 'mallory', cubeId: 'private' }),
      () => mos.shareCube({ userId: 'mallory', cubeId: 'private', withUserId: 'mallory', access: 'write' }),
      () => mos.deleteCube({ userId: 'mallory', cubeId: 'private' }),
      () => mos.repair({ userId: 'mallory', cubeIds: ['private'] }),
    ]) {
      expect(await failure(call())).toBeInstanceOf(NotFoundError);
    }
    expect((await mos.getCube({ userId: 'alice', cubeId: 'private' })).acl.map((a) => a.userId)).not.toContain('mallory');
  });

  it('lets a reader read but not change, with AccessDeniedError (the reader can see the cube)', async () => {
    expect((await mos.get({ userId: 'reader', id: victim.id })).id).toBe(victim.id);
    await expect(mos.update({ userId: 'reader', id: victim.id, text: 'no' })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(mos.delete({ userId: 'reader', id: victim.id })).rejects.toBeInstanceOf(AccessDeniedError);
    expect((await mos.get({ userId: 'alice', id: victim.id })).version).toBe(1);
  });
});

describe('deleted content is for those who may restore it', () => {
  beforeEach(async () => {
    await mos.delete({ userId: 'alice', id: victim.id });
  });

  it('hides a deleted item and its history from a read-only member', async () => {
    await expect(mos.get({ userId: 'reader', id: victim.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(mos.history({ userId: 'reader', id: victim.id })).rejects.toBeInstanceOf(NotFoundError);
    const listed = await mos.getAll({ userId: 'reader', filter: { statuses: ['active', 'deleted'] } });
    expect(listed.items.map((i) => i.id)).not.toContain(victim.id);
    await expect(mos.getAll({ userId: 'reader', cubeIds: ['private'], filter: { statuses: ['deleted'] } })).rejects.toBeInstanceOf(AccessDeniedError);
    const found = await mos.search({ userId: 'reader', query: SECRET, filter: { statuses: ['deleted'] } });
    expect(found.hits).toEqual([]);
  });

  it('shows it to writers and the owner, who can restore it', async () => {
    expect((await mos.get({ userId: 'writer', id: victim.id })).status).toBe('deleted');
    const listed = await mos.getAll({ userId: 'writer', cubeIds: ['private'], filter: { statuses: ['deleted'] } });
    expect(listed.items.map((i) => i.id)).toEqual([victim.id]);
    const restored = await mos.rollback({ userId: 'writer', id: victim.id, version: 1 });
    expect(restored.status).toBe('active');
    expect((await mos.get({ userId: 'reader', id: victim.id })).text).toContain(SECRET);
  });
});

describe('dumping needs the owner, an admin or a share grant', () => {
  it('refuses readers and writers, allows share grants', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memos-scope-'));
    await expect(mos.dumpCube({ userId: 'reader', cubeId: 'private', dir: join(dir, 'r') })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(mos.dumpCube({ userId: 'writer', cubeId: 'private', dir: join(dir, 'w') })).rejects.toBeInstanceOf(AccessDeniedError);
    await mos.shareCube({ userId: 'alice', cubeId: 'private', withUserId: 'writer', access: 'share' });
    const dumped = await mos.dumpCube({ userId: 'writer', cubeId: 'private', dir: join(dir, 's') });
    expect(dumped.manifest.counts.memories).toBe(1);
    // A share grant is not an admin right.
    await expect(mos.shareCube({ userId: 'writer', cubeId: 'private', withUserId: 'mallory', access: 'read' })).rejects.toBeInstanceOf(AccessDeniedError);
  });
});

describe('admins are made only by admins', () => {
  it('bootstraps the configured root user and refuses self-made admins', async () => {
    expect(await mos.getUser({ userId: 'root' })).toMatchObject({ role: 'admin' });
    await expect(mos.createUser({ id: 'evil', name: 'Evil', role: 'admin' })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(mos.createUser({ id: 'evil', name: 'Evil', role: 'admin', actorId: 'mallory' })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(mos.getUser({ userId: 'evil' })).rejects.toBeInstanceOf(NotFoundError);
    const admin = await mos.createUser({ id: 'ops', name: 'Ops', role: 'admin', actorId: 'root' });
    expect(admin.role).toBe('admin');
    expect((await mos.get({ userId: 'ops', id: victim.id })).id).toBe(victim.id);
  });

  it('has no admin at all without a root user', async () => {
    const plain = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
    await plain.setup();
    await plain.createUser({ id: 'u', name: 'U' });
    await expect(plain.createUser({ id: 'a', name: 'A', role: 'admin', actorId: 'u' })).rejects.toBeInstanceOf(AccessDeniedError);
    expect((await plain.listUsers()).map((u) => u.role)).toEqual(['user']);
    await plain.close();
  });
});

describe('rollback takes identity from the live item, never from a stored snapshot', () => {
  it('keeps id, cube and owner even if a version snapshot names another item', async () => {
    const [own] = (await mos.add({ userId: 'mallory', cubeId: 'attacker', text: 'decoy' })).items as [MemoryItem];
    await mos.update({ userId: 'mallory', id: own.id, text: 'decoy v2' });
    // A hostile version row (as a bad dump or a compromised writer could leave): snapshot names the victim.
    const forged = { ...(await mos.history({ userId: 'mallory', id: own.id }))[0]!, version: 7 };
    forged.snapshot = { ...forged.snapshot, id: victim.id, cubeId: 'private', ownerId: 'alice', version: 7 };
    await mos.graph.write({ versions: [forged] });
    const rolled = await mos.rollback({ userId: 'mallory', id: own.id, version: 7 });
    expect(rolled).toMatchObject({ id: own.id, cubeId: 'attacker', ownerId: 'mallory' });
    expect(await mos.get({ userId: 'alice', id: victim.id })).toMatchObject({ cubeId: 'private', ownerId: 'alice', version: 1 });
  });
});
