import { describe, expect, it } from 'vitest';
import { makeItem } from '../testing/fixtures.ts';
import { WorkingMemory } from './working-memory.ts';

const items = new Map<string, ReturnType<typeof makeItem>>();
const item = (id: string) => {
  let found = items.get(id);
  if (found === undefined) items.set(id, (found = makeItem({ id, cubeId: 'c1', text: `text ${id}` })));
  return found;
};
const hits = (...pairs: [string, number][]) => ({ candidates: pairs.map(([id, score]) => ({ item: item(id), score })) });

describe('WorkingMemory', () => {
  it('scores relevance + recency + frequency and evicts the lowest over capacity', () => {
    const wm = new WorkingMemory('u', 's', { capacity: 3 });
    wm.observe([hits(['a', 1], ['b', 0.5], ['c', 0.25])]);
    expect(wm.ids()).toEqual(['a', 'b', 'c']);
    // relevance a = 1, b = 0.5, c = 0.25; recency 1; frequency 1/4 each.
    expect(wm.score('a')).toBeCloseTo(0.6 * 1 + 0.25 + 0.15 * 0.25, 6);
    expect(wm.score('c')).toBeCloseTo(0.6 * 0.25 + 0.25 + 0.15 * 0.25, 6);
    const change = wm.observe([hits(['d', 1])]);
    // c had the lowest score (decayed relevance 0.125, recency 0.5^(1/5)): evicted, d appended.
    expect(change).toMatchObject({ added: ['d'], removed: ['c'] });
    expect(wm.ids()).toEqual(['a', 'b', 'd']);
  });

  it('access frequency: with only the frequency weight, the often retrieved item stays', () => {
    const wm = new WorkingMemory('u', 's', { capacity: 2, weights: { relevance: 0, recency: 0, frequency: 1 } });
    for (let i = 0; i < 4; i += 1) wm.observe([hits(['often', 0.5])]);
    wm.observe([hits(['once', 1])]);
    wm.observe([hits(['new', 1])]);
    // often: 4/7; once and new: 1/4 each, the tie evicts the greater id ('once').
    expect(wm.ids()).toEqual(['often', 'new']);
    expect(wm.score('often')).toBeCloseTo(4 / 7, 6);
  });

  it('pinned entries come first and are never evicted; unpin makes them evictable again', () => {
    const wm = new WorkingMemory('u', 's', { capacity: 2 });
    wm.observe([hits(['a', 1], ['b', 0.1])]);
    wm.pin(item('b'));
    expect(wm.ids()).toEqual(['b', 'a']);
    for (let i = 0; i < 10; i += 1) wm.observe([hits([`n${i}`, 1])]);
    expect(wm.has('b')).toBe(true);
    expect(wm.snapshot().entries[0]).toMatchObject({ pinned: true, item: { id: 'b' } });
    wm.unpin('b');
    for (let i = 0; i < 10; i += 1) wm.observe([hits([`m${i}`, 1])]);
    expect(wm.has('b')).toBe(false);
  });

  it('refuses to pin beyond capacity (typed error, nothing changed)', () => {
    const wm = new WorkingMemory('u', 's', { capacity: 1 });
    wm.pin(item('a'));
    const version = wm.version;
    expect(() => wm.pin(item('b'))).toThrow(expect.objectContaining({ code: 'MEMOS_VALIDATION' }));
    expect(wm.ids()).toEqual(['a']);
    expect(wm.version).toBe(version);
  });

  it('version moves only when the set or order changes, not with the scores', () => {
    const wm = new WorkingMemory('u', 's', { capacity: 5 });
    wm.observe([hits(['a', 1], ['b', 0.9])]);
    const v = wm.version;
    const layout = JSON.stringify(wm.snapshot().entries.map((e) => e.item.id));
    for (let i = 0; i < 5; i += 1) wm.observe([hits(['b', 1], ['a', 0.2])]);
    wm.observe([]);
    expect(wm.version).toBe(v);
    expect(JSON.stringify(wm.snapshot().entries.map((e) => e.item.id))).toBe(layout);
    wm.observe([hits(['c', 1])]);
    expect(wm.version).toBe(v + 1);
    wm.pin(item('c'));
    expect(wm.version).toBe(v + 2);
    wm.pin(item('c'));
    wm.unpin('zzz');
    wm.remove(['nope']);
    expect(wm.version).toBe(v + 2);
  });

  it('is deterministic: the same observations give the same snapshot', () => {
    const run = () => {
      const wm = new WorkingMemory('u', 's', { capacity: 4 });
      for (let t = 0; t < 20; t += 1) wm.observe([hits([`i${t % 7}`, 1 - (t % 3) / 10], [`i${(t * 3) % 11}`, 0.7]), { weight: 0.5, ...hits([`i${t % 5}`, 1]) }]);
      return JSON.stringify(wm.snapshot());
    };
    expect(run()).toBe(run());
  });

  it('validates its options', () => {
    expect(() => new WorkingMemory('u', 's', { capacity: 0 })).toThrow(expect.objectContaining({ code: 'MEMOS_VALIDATION' }));
    expect(() => new WorkingMemory('u', 's', { weights: { relevance: -1 } })).toThrow(expect.objectContaining({ code: 'MEMOS_VALIDATION' }));
  });
});
