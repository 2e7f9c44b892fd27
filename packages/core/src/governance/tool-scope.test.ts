import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../errors/conflict-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import { createMemOS, type MemOS } from '../mos.ts';
import { createToolScope } from './tool-scope.ts';

describe('createToolScope', () => {
  let mos: MemOS;
  let own: string;
  let work: string;
  let foreign: string;
  beforeEach(async () => {
    mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
    await mos.setup();
    await mos.createUser({ id: 'alice', name: 'Alice' });
    await mos.createUser({ id: 'bob', name: 'Bob' });
    await mos.createCube({ userId: 'alice', id: 'notes', name: 'Notes' });
    await mos.createCube({ userId: 'alice', id: 'work', name: 'Work' });
    await mos.createCube({ userId: 'bob', id: 'bob-notes', name: 'Bob' });
    own = (await mos.add({ userId: 'alice', cubeId: 'notes', text: 'Alice has a cat named Miso' })).items[0]!.id;
    work = (await mos.add({ userId: 'alice', cubeId: 'work', text: 'The cat food budget is 20 euros' })).items[0]!.id;
    foreign = (await mos.add({ userId: 'bob', cubeId: 'bob-notes', text: 'Bob has a cat named Tiger' })).items[0]!.id;
  });
  afterEach(async () => {
    await mos.close();
  });

  it('searches and adds only in its cubes', async () => {
    const scope = createToolScope({ mos, userId: 'alice', cubeId: 'notes', field: 'tool' });
    expect(scope.cubeIds).toEqual(['notes']);
    expect((await scope.search({ query: 'cat', topK: 10 })).map((h) => h.item.id)).toEqual([own]);
    const [added] = await scope.add({ text: 'Miso is five', tags: ['pets'], sessionId: 's' });
    expect(added).toMatchObject({ cubeId: 'notes', sessionId: 's', tags: expect.arrayContaining(['pets']) });
    const wide = createToolScope({ mos, userId: 'alice', cubeId: 'notes', cubeIds: ['notes', 'work'], field: 'tool' });
    expect((await wide.search({ query: 'cat', topK: 10 })).map((h) => h.item.id).sort()).toEqual([own, work, added!.id].sort());
    const everywhere = createToolScope({ mos, userId: 'alice', field: 'tool' });
    expect(everywhere.cubeIds).toBeUndefined();
    expect((await everywhere.search({ query: 'cat', topK: 10 })).map((h) => h.item.cubeId).sort()).toEqual(['notes', 'notes', 'work']);
    await expect(everywhere.add({ text: 'x' })).rejects.toMatchObject({ field: 'tool.cubeId' });
  });

  it('updates and forgets in scope; outside it, in an unreadable cube or unknown: the same NotFoundError, nothing changed', async () => {
    const scope = createToolScope({ mos, userId: 'alice', cubeId: 'notes', field: 'forget_memory' });
    expect((await scope.update({ id: own, text: 'Alice has a cat named Miso, who is five', reason: 'age' })).version).toBe(2);
    const messages: string[] = [];
    for (const id of [work, foreign, 'no-such-memory']) {
      for (const call of [() => scope.get(id), () => scope.update({ id, text: 'changed' }), () => scope.forget({ id })]) {
        const error = await call().then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({ entity: 'memory', id });
        messages.push((error as Error).message.replace(JSON.stringify(id), '<id>'));
      }
    }
    expect(new Set(messages)).toEqual(new Set(['Unknown memory: <id>']));
    expect([(await mos.get({ userId: 'alice', id: work })).version, (await mos.get({ userId: 'bob', id: foreign })).status]).toEqual([1, 'active']);
    expect((await scope.forget({ id: own, reason: 'asked' })).status).toBe('deleted');
    await expect(scope.forget({ id: own })).rejects.toBeInstanceOf(ConflictError);
    await expect(scope.get('bad id with spaces')).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses to change anything without a cube, and bad cube lists', () => {
    expect(() => createToolScope({ mos, userId: 'alice', cubeIds: [], field: 't' })).toThrow(expect.objectContaining({ field: 't.cubeIds' }));
    const none = createToolScope({ mos, userId: 'alice', field: 'update_memory' });
    return expect(none.update({ id: own, text: 'x' })).rejects.toMatchObject({ field: 'update_memory.cubeIds' });
  });
});
