import { ToolInputParsingException } from '@langchain/core/tools';
import { ConflictError, NotFoundError, ValidationError, type MemOS } from '@memos-js/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryTools } from './create-memory-tools.ts';
import { ALICE_SECRET, createTestMos, createTwoUserMos, HOSTILE_BOB_RUN, serverIdentity } from './test-support/create-test-mos.ts';

describe('createMemoryTools', () => {
  let mos: MemOS;
  beforeEach(async () => {
    mos = await createTestMos();
  });
  afterEach(async () => {
    await mos.close();
  });

  it('searches, adds, updates and forgets through tool.invoke', async () => {
    const [search, add, update, forget] = createMemoryTools({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' }, sessionId: 'tools' });
    expect([search.name, add.name, update.name, forget.name]).toEqual(['search_memory', 'add_memory', 'update_memory', 'forget_memory']);

    const added = JSON.parse(await add.invoke({ text: 'Alice owns a grey cat named Miso', tags: ['pets'] }));
    expect(added[0]).toMatchObject({ text: 'Alice owns a grey cat named Miso', memoryType: 'fact', version: 1 });
    const item = await mos.get({ userId: 'alice', id: added[0].id });
    expect(item.tags).toEqual(expect.arrayContaining(['agent', 'pets']));
    expect(item.sessionId).toBe('tools');

    const found = JSON.parse(await search.invoke({ query: 'What is the name of the cat?' }));
    expect(found[0]).toMatchObject({ id: added[0].id, text: 'Alice owns a grey cat named Miso' });
    expect(typeof found[0].score).toBe('number');

    const updated = JSON.parse(await update.invoke({ id: added[0].id, text: 'Alice owns a grey cat named Miso and a dog', reason: 'new pet' }));
    expect(updated).toMatchObject({ version: 2, text: 'Alice owns a grey cat named Miso and a dog' });
    expect((await mos.history({ userId: 'alice', id: added[0].id })).at(-1)?.reason).toBe('new pet');

    expect(JSON.parse(await forget.invoke({ id: added[0].id }))).toEqual({ id: added[0].id, forgotten: true });
    expect(JSON.parse(await search.invoke({ query: 'cat' }))).toEqual([]);
    expect((await mos.get({ userId: 'alice', id: added[0].id })).status).toBe('deleted');
  });

  it('resolves the user per call from the run configurable with trustClientIdentity (local use)', async () => {
    await mos.createUser({ id: 'bob', name: 'Bob' });
    await mos.createCube({ userId: 'bob', id: 'bob-notes', name: 'Bob' });
    const [search, add] = createMemoryTools({ mos, trustClientIdentity: true });
    await add.invoke({ text: 'Bob plays chess' }, { configurable: { userId: 'bob', cubeId: 'bob-notes' } });
    await add.invoke({ text: 'Alice plays chess too' }, { configurable: { userId: 'alice', cubeId: 'alice-notes' } });
    const bobs = JSON.parse(await search.invoke({ query: 'chess' }, { configurable: { userId: 'bob' } }));
    expect(bobs.map((m: { text: string }) => m.text)).toEqual(['Bob plays chess']);
  });

  it('rejects bad input: schema errors from the framework, MemOS errors typed', async () => {
    const [search, add, update, forget] = createMemoryTools({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    await expect(search.invoke({ query: '' })).rejects.toBeInstanceOf(ToolInputParsingException);
    await expect(search.invoke({ query: 'x', topK: 500 })).rejects.toBeInstanceOf(ToolInputParsingException);
    await expect(update.invoke({ id: 'no-such-id', text: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(forget.invoke({ id: 'bad id with spaces' })).rejects.toBeInstanceOf(ValidationError);
    await expect(add.invoke({ text: 'y'.repeat(40_000) })).rejects.toMatchObject({ code: 'MEMOS_INPUT_TOO_LARGE', limit: 32_000 });
    const [id] = JSON.parse(await add.invoke({ text: 'temporary' })).map((m: { id: string }) => m.id);
    await forget.invoke({ id });
    await expect(forget.invoke({ id })).rejects.toBeInstanceOf(ConflictError);
    const [, noCube, noCubeUpdate] = createMemoryTools({ mos, identity: { userId: 'alice' } });
    await expect(noCube.invoke({ text: 'x' })).rejects.toMatchObject({ field: 'add_memory.cubeId' });
    await expect(noCubeUpdate.invoke({ id, text: 'x' })).rejects.toMatchObject({ field: 'update_memory.cubeIds' });
    expect(() => createMemoryTools({ mos })).toThrow(expect.objectContaining({ field: 'createMemoryTools.identity' }));
  });

  it('cannot update or forget a memory outside its cubes: the same NotFoundError as an unknown id, nothing changed', async () => {
    await mos.createCube({ userId: 'alice', id: 'alice-work', name: 'Work' });
    const [work] = (await mos.add({ userId: 'alice', cubeId: 'alice-work', text: 'Quarterly report due in June' })).items;
    const [search, , update, forget] = createMemoryTools({ mos, identity: { userId: 'alice', cubeId: 'alice-notes' } });
    const outside = await update.invoke({ id: work!.id, text: 'changed' }).then(() => undefined, (e: unknown) => e);
    const missing = await update.invoke({ id: 'no-such-id', text: 'changed' }).then(() => undefined, (e: unknown) => e);
    expect(outside).toBeInstanceOf(NotFoundError);
    expect(outside).toMatchObject({ entity: 'memory', id: work!.id, message: `Unknown memory: ${JSON.stringify(work!.id)}` });
    expect((missing as Error).message.replace('no-such-id', work!.id)).toBe((outside as Error).message);
    await expect(forget.invoke({ id: work!.id })).rejects.toBeInstanceOf(NotFoundError);
    const after = await mos.get({ userId: 'alice', id: work!.id });
    expect([after.status, after.version, after.text]).toEqual(['active', 1, 'Quarterly report due in June']);
    expect(JSON.parse(await search.invoke({ query: 'quarterly report' }))).toEqual([]);
  });
});

describe('createMemoryTools against a hostile client', () => {
  let mos: MemOS;
  beforeEach(async () => {
    mos = await createTwoUserMos();
  });
  afterEach(async () => {
    await mos.close();
  });

  it('a client setting configurable/context userId and cubes to the victim reaches only its own memories', async () => {
    const [secret] = (await mos.getAll({ userId: 'alice' })).items;
    const [search, add, update, forget] = createMemoryTools({ mos, identity: serverIdentity });
    const found = JSON.parse(await search.invoke({ query: 'spare door key flower pot' }, HOSTILE_BOB_RUN));
    expect(found).toEqual([]);
    const added = JSON.parse(await add.invoke({ text: 'Bob owns a red bike' }, HOSTILE_BOB_RUN));
    expect((await mos.get({ userId: 'bob', id: added[0].id })).cubeId).toBe('bob-notes');
    await expect(update.invoke({ id: secret!.id, text: 'Bob was here' }, HOSTILE_BOB_RUN)).rejects.toBeInstanceOf(NotFoundError);
    await expect(forget.invoke({ id: secret!.id }, HOSTILE_BOB_RUN)).rejects.toBeInstanceOf(NotFoundError);
    const after = await mos.get({ userId: 'alice', id: secret!.id });
    expect([after.status, after.version, after.text]).toEqual(['active', 1, ALICE_SECRET]);
    expect((await mos.getAll({ userId: 'alice' })).total).toBe(1);
    // Without an identity the server knows, nothing runs.
    await expect(search.invoke({ query: 'key' }, { configurable: { userId: 'alice' } })).rejects.toMatchObject({ field: 'search_memory.userId' });
  });
});
