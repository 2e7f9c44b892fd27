import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedError, NotFoundError, ValidationError } from '../errors/index.ts';
import { createMemOS, type MemOS } from '../mos.ts';
import type { MemOSOptions } from '../mos/mos-options.ts';
import type { ForgetEvent } from './forget-hook.ts';
import type { Redactor } from './redactor.ts';

let mos: MemOS;
let dir: string;
let events: ForgetEvent[];

async function open(options: Omit<MemOSOptions, 'storage'> = {}): Promise<MemOS> {
  const m = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, rootUser: { id: 'root' }, forgetHooks: [(event) => void events.push(event)], ...options });
  await m.setup();
  await m.createUser({ id: 'alice', name: 'Alice' });
  await m.createUser({ id: 'bob', name: 'Bob' });
  await m.createCube({ userId: 'alice', id: 'c1', name: 'Alice' });
  await m.createCube({ userId: 'alice', id: 'c2', name: 'Alice too' });
  await m.shareCube({ userId: 'alice', cubeId: 'c1', withUserId: 'bob', access: 'write' });
  return m;
}

beforeEach(async () => {
  events = [];
  dir = await mkdtemp(join(tmpdir(), 'memos-governance-'));
  mos = await open();
});
afterEach(async () => {
  await mos.close();
  await rm(dir, { recursive: true, force: true });
});

describe('forget items', () => {
  it('hard-deletes items with their versions, edges and vectors, leaves a content-free audit record, and tells the hooks', async () => {
    const { items } = await mos.add({ userId: 'alice', cubeId: 'c1', messages: [{ role: 'user', content: 'my secret is purple elephants' }, { role: 'user', content: 'I like tea' }] });
    const [secret, tea] = items as [typeof items[0], typeof items[0]];
    await mos.update({ userId: 'alice', id: secret.id, text: 'my secret is purple elephants, really' });
    await mos.relate({ userId: 'alice', from: tea.id, to: secret.id, type: 'RELATE_TO' });
    const report = await mos.forget({ userId: 'alice', ids: [secret.id] });
    expect(report).toStrictEqual({ kind: 'items', cubeIds: [], items: 1, versions: 2, dumps: 0, compacted: true });
    await expect(mos.get({ userId: 'alice', id: secret.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(mos.history({ userId: 'alice', id: secret.id })).rejects.toBeInstanceOf(NotFoundError);
    expect((await mos.search({ userId: 'alice', query: 'purple elephants' })).hits.map((h) => h.item.id)).not.toContain(secret.id);
    expect(await mos.vector.listIds({ space: mos.embedder, cubeIds: ['c1'] })).toStrictEqual([tea.id]);
    // Both edges (tea FOLLOWS secret, tea RELATE_TO secret) touched the forgotten item.
    expect(await mos.graph.listEdges({ cubeIds: ['c1'] })).toStrictEqual([]);
    const [record] = await mos.audit({ userId: 'alice', cubeId: 'c1', action: 'forget' });
    expect(record).toMatchObject({ actor: 'alice', action: 'forget', cubeId: 'c1', itemIds: [secret.id], resultCount: 1, details: { versions: 2, edges: 2, dumps: 0 } });
    expect(JSON.stringify(await mos.audit({ userId: 'root' }))).not.toContain('elephant');
    expect(events).toStrictEqual([{ kind: 'items', actor: 'alice', cubeIds: [], items: [{ id: secret.id, cubeId: 'c1' }] }]);
  });

  it('refuses unknown, unreadable and read-only items with typed errors and removes nothing', async () => {
    const { items } = await mos.add({ userId: 'alice', cubeId: 'c2', text: 'private to alice' });
    const own = items[0]!;
    const { items: shared } = await mos.add({ userId: 'alice', cubeId: 'c1', text: 'shared with bob' });
    await expect(mos.forget({ userId: 'bob', ids: [own.id] })).rejects.toBeInstanceOf(NotFoundError);
    await expect(mos.forget({ userId: 'alice', ids: [own.id, 'missing'] })).rejects.toBeInstanceOf(NotFoundError);
    await mos.shareCube({ userId: 'alice', cubeId: 'c1', withUserId: 'bob', access: 'read' });
    await expect(mos.forget({ userId: 'bob', ids: [shared[0]!.id] })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(mos.forget({ userId: 'alice', ids: [] })).rejects.toBeInstanceOf(ValidationError);
    await expect(mos.forget({ userId: 'alice', ids: [own.id], cubeId: 'c2' } as never)).rejects.toBeInstanceOf(ValidationError);
    expect((await mos.get({ userId: 'alice', id: own.id })).text).toBe('private to alice');
    expect((await mos.get({ userId: 'alice', id: shared[0]!.id })).text).toBe('shared with bob');
    expect(events).toStrictEqual([]);
  });

  it('removes the dumps of the cube that contain a forgotten item, and only those', async () => {
    const { items } = await mos.add({ userId: 'alice', cubeId: 'c1', text: 'to be forgotten' });
    await mos.add({ userId: 'alice', cubeId: 'c2', text: 'kept elsewhere' });
    await mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir: join(dir, 'with-item') });
    await mos.dumpCube({ userId: 'alice', cubeId: 'c2', dir: join(dir, 'other-cube') });
    const report = await mos.forget({ userId: 'alice', ids: [items[0]!.id] });
    expect(report.dumps).toBe(1);
    expect((await readdir(dir)).sort()).toStrictEqual(['other-cube']);
    expect(await mos.graph.listDumps({})).toStrictEqual([expect.objectContaining({ dir: join(dir, 'other-cube'), cubeId: 'c2' })]);
  });
});

describe('forget a cube or a user', () => {
  it('forgets a cube (owner only) with its vectors and dumps; the audit stays', async () => {
    await mos.add({ userId: 'alice', cubeId: 'c2', text: 'cube two content' });
    await mos.dumpCube({ userId: 'alice', cubeId: 'c2', dir: join(dir, 'c2') });
    await expect(mos.forget({ userId: 'bob', cubeId: 'c1' })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(mos.forget({ userId: 'bob', cubeId: 'c2' })).rejects.toBeInstanceOf(NotFoundError);
    expect(await mos.forget({ userId: 'alice', cubeId: 'c2' })).toStrictEqual({ kind: 'cube', cubeIds: ['c2'], items: 1, versions: 0, dumps: 1, compacted: true });
    await expect(mos.getCube({ userId: 'alice', cubeId: 'c2' })).rejects.toBeInstanceOf(NotFoundError);
    expect(await mos.vector.listIds({ space: mos.embedder, cubeIds: ['c2'] })).toStrictEqual([]);
    expect(await readdir(dir)).toStrictEqual([]);
    const trail = await mos.audit({ userId: 'root', cubeId: 'c2' });
    expect(trail.map((r) => r.action)).toStrictEqual(['forgetCube', 'dump', 'add', 'createCube']);
  });

  it('forgets everything about a user: owned cubes, items elsewhere, ACL entries, the user record', async () => {
    await mos.createCube({ userId: 'bob', id: 'bobs', name: 'Bob' });
    await mos.add({ userId: 'bob', cubeId: 'bobs', text: 'bob private note' });
    const { items: bobInShared } = await mos.add({ userId: 'bob', cubeId: 'c1', text: 'bob wrote this in alice cube' });
    const { items: aliceItems } = await mos.add({ userId: 'alice', cubeId: 'c1', text: 'alice wrote this' });
    await expect(mos.forget({ userId: 'alice', forgetUserId: 'bob' })).rejects.toBeInstanceOf(AccessDeniedError);
    const report = await mos.forget({ userId: 'bob', forgetUserId: 'bob' });
    expect(report).toStrictEqual({ kind: 'user', cubeIds: ['bobs'], items: 2, versions: 0, dumps: 0, compacted: true });
    await expect(mos.getUser({ userId: 'bob' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await mos.getCube({ userId: 'alice', cubeId: 'c1' })).acl).toStrictEqual([]);
    expect((await mos.getAll({ userId: 'alice', cubeIds: ['c1'] })).items.map((i) => i.id)).toStrictEqual([aliceItems[0]!.id]);
    expect(await mos.vector.listIds({ space: mos.embedder, cubeIds: ['c1', 'bobs'] })).toStrictEqual([aliceItems[0]!.id]);
    expect(await mos.graph.getItems([bobInShared[0]!.id])).toStrictEqual([]);
    const trail = await mos.audit({ userId: 'root', action: ['forget', 'forgetCube', 'forgetUser'] });
    expect(trail.map((r) => [r.action, r.cubeId, r.resultCount])).toStrictEqual([
      ['forgetUser', undefined, 2],
      ['forget', 'c1', 1],
      ['forgetCube', 'bobs', 1],
    ]);
    expect(events.map((e) => e.kind)).toStrictEqual(['user']);
    // An admin may forget anyone.
    expect((await mos.forget({ userId: 'root', forgetUserId: 'alice' })).cubeIds).toStrictEqual(['c1', 'c2']);
  });
});

describe('deleteCube', () => {
  it('is audited, keeps the audit, and leaves no orphans when adds race it', async () => {
    const adds = Array.from({ length: 30 }, (_, i) => mos.add({ userId: 'alice', cubeId: 'c1', text: `racing note ${i}` }));
    const deletion = new Promise((resolve) => setTimeout(resolve, 1)).then(() => mos.deleteCube({ userId: 'alice', cubeId: 'c1' }));
    const settled = await Promise.allSettled([...adds, deletion]);
    for (const outcome of settled) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(NotFoundError);
    expect(settled.at(-1)?.status).toBe('fulfilled');
    expect(await mos.graph.countItems({ cubeIds: ['c1'], statuses: ['active', 'deleted'] })).toBe(0);
    expect(await mos.vector.listIds({ space: mos.embedder, cubeIds: ['c1'] })).toStrictEqual([]);
    const trail = await mos.audit({ userId: 'root', cubeId: 'c1' });
    expect(trail[0]).toMatchObject({ action: 'deleteCube', actor: 'alice', cubeId: 'c1' });
    expect(trail.some((r) => r.action === 'createCube')).toBe(true);
  });
});

describe('audit of reads', () => {
  it('records search, get, getAll, history and dump with targets and result counts, never query text', async () => {
    const { items } = await mos.add({ userId: 'alice', cubeId: 'c1', text: 'the cat sat on the mat' });
    const id = items[0]!.id;
    await mos.search({ userId: 'bob', query: 'where did the cat sit' });
    await mos.get({ userId: 'bob', id });
    await mos.getAll({ userId: 'bob' });
    await mos.history({ userId: 'bob', id });
    await mos.search({ userId: 'bob', query: 'zebras', cubeIds: ['c1'], filter: { tagsAny: ['no-such-tag'] } });
    await mos.dumpCube({ userId: 'alice', cubeId: 'c1', dir: join(dir, 'dump') });
    const bobs = await mos.audit({ userId: 'bob' });
    expect(bobs.map((r) => [r.action, r.cubeId, r.itemIds, r.resultCount])).toStrictEqual([
      ['search', undefined, undefined, 0],
      ['history', 'c1', [id], 1],
      ['getAll', 'c1', [id], 1],
      ['get', 'c1', [id], 1],
      ['search', 'c1', [id], 1],
    ]);
    expect(JSON.stringify(bobs)).not.toContain('cat');
    // The owner sees everyone's records of the cube; bob may not ask for alice's actions.
    const cube = await mos.audit({ userId: 'alice', cubeId: 'c1', action: ['dump', 'get'] });
    expect(cube.map((r) => [r.actor, r.action])).toStrictEqual([['alice', 'dump'], ['bob', 'get']]);
    await expect(mos.audit({ userId: 'bob', actor: 'alice' })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(mos.audit({ userId: 'bob', cubeId: 'c2' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await mos.audit({ userId: 'root', actor: 'bob' })).length).toBe(5);
    expect(await mos.audit({ userId: 'alice', itemId: id, action: 'get' })).toStrictEqual([]);
    expect((await mos.audit({ userId: 'alice', cubeId: 'c1', itemId: id, action: 'get' })).map((r) => r.actor)).toStrictEqual(['bob']);
  });

  it('queries by time range', async () => {
    let t = Date.parse('2025-01-01T00:00:00.000Z');
    const m = await open({ now: () => new Date((t += 60_000)) });
    try {
      await m.add({ userId: 'alice', cubeId: 'c1', text: 'first' });
      const middle = new Date(t + 30_000);
      await m.add({ userId: 'alice', cubeId: 'c1', text: 'second' });
      const after = await m.audit({ userId: 'alice', cubeId: 'c1', action: 'add', since: middle });
      const before = await m.audit({ userId: 'alice', cubeId: 'c1', action: 'add', until: middle });
      expect([after.length, before.length]).toStrictEqual([1, 1]);
      expect(after[0]!.at > before[0]!.at).toBe(true);
      await expect(m.audit({ userId: 'alice', since: 'not a time' })).rejects.toBeInstanceOf(ValidationError);
    } finally {
      await m.close();
    }
  });

  it('can be turned off for reads (changes are still recorded)', async () => {
    const m = await open({ audit: { reads: false } });
    try {
      const { items } = await m.add({ userId: 'alice', cubeId: 'c1', text: 'quiet' });
      await m.search({ userId: 'alice', query: 'quiet' });
      await m.get({ userId: 'alice', id: items[0]!.id });
      expect((await m.audit({ userId: 'alice', cubeId: 'c1' })).map((r) => r.action)).toStrictEqual(['add', 'share', 'createCube']);
    } finally {
      await m.close();
    }
  });
});

describe('redaction before storage', () => {
  const PII = 'Mail ann@example.com, call +1 415 555 2671, card 4111 1111 1111 1111; order 1234567812345678 on 2024-05-01';

  it('masks e-mail, phone and card numbers in text, key, tags and metadata before storing or embedding, and records what it masked', async () => {
    const { items } = await mos.add({ userId: 'alice', cubeId: 'c1', text: PII, tags: ['ann@example.com'], metadata: { contact: 'bob@example.org', n: 1 } });
    const item = items[0]!;
    expect(item.text).toBe('Mail [redacted:email], call [redacted:phone], card [redacted:card]; order 1234567812345678 on 2024-05-01');
    expect(item.tags).toStrictEqual(['[redacted:email]']);
    expect(item.metadata).toStrictEqual({ contact: '[redacted:email]', n: 1 });
    expect(item.redactions).toStrictEqual([{ kind: 'email', count: 3 }, { kind: 'phone', count: 1 }, { kind: 'card', count: 1 }]);
    expect(await mos.get({ userId: 'alice', id: item.id })).toStrictEqual(item);
    const [version] = await mos.history({ userId: 'alice', id: item.id });
    expect(JSON.stringify(version)).not.toContain('ann@example.com');
    expect((await mos.search({ userId: 'alice', query: 'ann@example.com 4111' })).hits.every((h) => !h.item.text.includes('ann@'))).toBe(true);
  });

  it('masks chat messages and updates; marks accumulate', async () => {
    const { items } = await mos.add({ userId: 'alice', cubeId: 'c1', messages: [{ role: 'user', speaker: 'Ann', content: 'my email is ann@example.com' }] });
    expect(items[0]!.text).toBe('Ann: my email is [redacted:email]');
    expect(items[0]!.key).not.toContain('example');
    const updated = await mos.update({ userId: 'alice', id: items[0]!.id, text: 'new number (415) 555-2671' });
    expect(updated.text).toBe('new number [redacted:phone]');
    expect(updated.redactions).toStrictEqual([{ kind: 'email', count: 1 }, { kind: 'phone', count: 1 }]);
    const plain = await mos.update({ userId: 'alice', id: items[0]!.id, text: 'nothing sensitive', reason: 'asked by ann@example.com' });
    expect(plain.redactions).toStrictEqual(updated.redactions);
    expect((await mos.history({ userId: 'alice', id: plain.id })).at(-1)?.reason).toBe('asked by [redacted:email]');
  });

  it('takes a custom redactor, or none', async () => {
    const custom: Redactor = { name: 'names', redact: (text) => ({ text: text.replaceAll('Ann', '[name]'), marks: text.includes('Ann') ? [{ kind: 'name', count: text.split('Ann').length - 1 }] : [] }) };
    const m = await open({ redact: custom });
    const off = await open({ redact: false });
    try {
      const [a] = (await m.add({ userId: 'alice', cubeId: 'c1', text: 'Ann met Ann at ann@example.com' })).items;
      expect([a!.text, a!.redactions]).toStrictEqual(['[name] met [name] at ann@example.com', [{ kind: 'name', count: 2 }]]);
      const [b] = (await off.add({ userId: 'alice', cubeId: 'c1', text: PII })).items;
      expect(b!.text).toBe(PII);
      expect(Object.hasOwn(b!, 'redactions')).toBe(false);
    } finally {
      await m.close();
      await off.close();
    }
  });
});
