import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemOS, type MemOS } from '../mos.ts';
import type { SearchResult } from '../spec/index.ts';

const T0 = Date.parse('2024-03-01T00:00:00.000Z');
let now = T0;
let mos: MemOS;

const TURNS = [
  'I adopted a rescue dog named Biscuit last spring',
  'Biscuit loves the beach and chasing seagulls',
  'My sister Ana is moving to Lisbon in June',
  'We are planning a surprise party for Ana before she leaves',
  'The party will be at the beach house with a barbecue',
  'I started learning Portuguese to visit Ana in Lisbon',
  'Biscuit had a vet appointment for his vaccines',
  'The vet said Biscuit is healthy but should lose weight',
];

beforeEach(async () => {
  now = T0;
  mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, now: () => new Date((now += 1_000)), vectorRetry: false, trackAccess: false });
  await mos.setup();
  await mos.createUser({ id: 'u', name: 'U' });
  await mos.createCube({ userId: 'u', id: 'c', name: 'c' });
  await mos.add({ userId: 'u', cubeId: 'c', sessionId: 's1', messages: TURNS.map((content) => ({ role: 'user' as const, content })) });
  const { items } = await mos.getAll({ userId: 'u' });
  await mos.relate({ userId: 'u', from: items[0]!.id, to: items[6]!.id, type: 'RELATE_TO', weight: 0.8 });
});
afterEach(async () => {
  await mos.close();
});

const ranking = (result: SearchResult) => result.hits.map((hit) => ({ id: hit.item.id, text: hit.item.text, score: hit.score, signals: Object.keys(hit.signals).sort() }));

describe('search under knownAt', () => {
  it('ranks like a live search when nothing changed since: same hits, order and signals, scores to float32 precision', async () => {
    const at = new Date(now + 1).toISOString();
    for (const query of ['Biscuit beach', 'Ana Lisbon party', 'vet weight', 'Portuguese lessons', 'seagulls']) {
      const live = await mos.search({ userId: 'u', query, topK: 5, filter: { statuses: ['active'] } });
      const past = await mos.search({ userId: 'u', query, topK: 5, knownAt: at, filter: { statuses: ['active'] } });
      expect(past.hits.length, query).toBeGreaterThan(0);
      const [a, b] = [ranking(live), ranking(past)];
      expect(b.map((h) => [h.id, h.text, h.signals]), query).toStrictEqual(a.map((h) => [h.id, h.text, h.signals]));
      // Vector stores compute cosine in float32, the snapshot index in double: scores agree to ~1e-6.
      b.forEach((hit, i) => expect(Math.abs(hit.score - (a[i]?.score ?? NaN)), `${query} #${i}`).toBeLessThan(1e-5));
    }
  });

  it('scores the text known then: an updated item is found by its old words only in the past', async () => {
    const before = new Date(now + 1).toISOString();
    const { items } = await mos.getAll({ userId: 'u' });
    const dog = items[0]!;
    now += 10_000;
    await mos.update({ userId: 'u', id: dog.id, text: 'I adopted a cat named Pixel' });
    const keywordHit = async (query: string, knownAt?: string) =>
      (await mos.search({ userId: 'u', query, topK: 8, ...(knownAt ? { knownAt } : {}) })).hits.find((h) => h.item.id === dog.id && h.signals.keyword !== undefined)?.item.text;
    expect(await keywordHit('rescue dog', before)).toBe(TURNS[0]);
    expect(await keywordHit('rescue dog')).toBeUndefined();
    expect(await keywordHit('Pixel', before)).toBeUndefined();
    expect(await keywordHit('Pixel')).toBe('I adopted a cat named Pixel');
  });
});
