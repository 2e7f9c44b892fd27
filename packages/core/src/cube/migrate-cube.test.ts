import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLexicalEmbedder } from '../embedding/index.ts';
import { createMemOS } from '../mos.ts';
import { migrateCube } from './migrate-cube.ts';

describe('migrateCube', () => {
  it('copies items, versions, edges and search results between runtimes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'memos-migrate-test-'));
    const from = createMemOS({ storage: { kind: 'sqlite', path: join(dir, 'a.db') } });
    const to = createMemOS({ storage: { kind: 'sqlite', path: join(dir, 'b.db') } });
    for (const m of [from, to]) {
      await m.setup();
      await m.createUser({ id: 'u', name: 'U' });
    }
    await from.createCube({ userId: 'u', id: 'c', name: 'C' });
    const { items } = await from.add({ userId: 'u', cubeId: 'c', sessionId: 's', messages: [
      { role: 'user', content: 'I adopted a beagle called Biscuit' }, { role: 'assistant', content: 'What a lovely dog name' }, { role: 'user', content: 'Biscuit loves the beach' },
    ] });
    await from.update({ userId: 'u', id: items[0]!.id, text: 'I adopted a beagle called Biscuit in March' });
    const result = await migrateCube({ from, to, userId: 'u', cubeId: 'c' });
    expect(result).toMatchObject({ memories: 3, edges: 2, versions: 4 });
    expect(result.cube.lineage?.migratedFrom).toBe('sqlite:c');
    expect(await to.history({ userId: 'u', id: items[0]!.id })).toEqual(await from.history({ userId: 'u', id: items[0]!.id }));
    const a = await from.search({ userId: 'u', query: 'Biscuit the beagle' });
    const b = await to.search({ userId: 'u', query: 'Biscuit the beagle' });
    expect(b.hits.map((h) => [h.item.id, h.score])).toEqual(a.hits.map((h) => [h.item.id, h.score]));
    await expect(migrateCube({ from, to, userId: 'u', cubeId: 'c' })).rejects.toMatchObject({ code: 'MEMOS_CONFLICT' });

    // Another embedder on the target: vectors are recomputed and the copy is bound to it.
    const other = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, embedder: createLexicalEmbedder({ dimension: 128 }) });
    await other.setup();
    await other.createUser({ id: 'u', name: 'U' });
    const copy = await migrateCube({ from, to: other, userId: 'u', cubeId: 'c', targetCubeId: 'c2' });
    expect(copy.cube.embedder.fingerprint).toBe(other.embedder.fingerprint);
    expect((await other.search({ userId: 'u', query: 'beach', weights: { vector: 1, keyword: 0, graph: 0 } })).hits[0]?.item.text).toContain('beach');
    for (const m of [from, to, other]) await m.close();
  });
});
