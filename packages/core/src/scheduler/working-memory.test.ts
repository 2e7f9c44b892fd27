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

describe('WorkingMemory stable block (amortized rebuilds)', () => {
  it('rebuilds when empty, then only once the conversation has doubled; admissions wait as pending', () => {
    const wm = new WorkingMemory('u', 's', { capacity: 10 });
    wm.observe([hits(['a', 1])], { turnTokens: 100 });
    expect(wm.ids()).toEqual(['a']);
    expect(wm.version).toBe(1);
    // 100 tokens at the rebuild: the next one is due at 200.
    const pendingChange = wm.observe([hits(['b', 1])], { turnTokens: 50 });
    expect(pendingChange.changed).toBe(false);
    expect(wm.ids()).toEqual(['a']);
    expect(wm.snapshot().pending?.map((e) => e.item.id)).toEqual(['b']);
    expect(wm.memberIds()).toEqual(['a', 'b']);
    const due = wm.observe([hits(['c', 1])], { turnTokens: 50 });
    expect(due).toMatchObject({ changed: true, version: 2, added: ['b', 'c'], removed: [] });
    expect(wm.ids()).toEqual(['a', 'b', 'c']);
    expect(wm.snapshot().pending).toEqual([]);
    // Next due at 400: three turns of 60 tokens (380) keep the block.
    for (let i = 0; i < 3; i += 1) expect(wm.observe([hits([`n${i}`, 1])], { turnTokens: 60 }).changed).toBe(false);
    expect(wm.version).toBe(2);
    expect(wm.observe([], { turnTokens: 60 }).changed).toBe(true);
    expect(wm.ids()).toEqual(['a', 'b', 'c', 'n0', 'n1', 'n2']);
  });

  it('over a long chat, rebuilds grow logarithmically with the conversation (growth 2)', () => {
    const wm = new WorkingMemory('u', 's', { capacity: 5 });
    let rebuilds = 0;
    for (let t = 0; t < 200; t += 1) if (wm.observe([hits([`x${t}`, 1], [`x${t + 1}`, 0.8])], { turnTokens: 40 }).changed) rebuilds += 1;
    // 40 · 2^k ≤ 8,000 tokens: rebuilds at turns 1, 2, 4, …, 128 (8), never one per turn.
    expect(rebuilds).toBe(8);
    const eager = new WorkingMemory('u', 's', { capacity: 5, rebuildGrowth: 1 });
    let eagerRebuilds = 0;
    for (let t = 0; t < 200; t += 1) if (eager.observe([hits([`x${t}`, 1], [`x${t + 1}`, 0.8])], { turnTokens: 40 }).changed) eagerRebuilds += 1;
    expect(eagerRebuilds).toBe(200);
  });

  it('a pin rebuilds at once; removals leave the block at once; evicted block entries stay until the next rebuild', () => {
    const wm = new WorkingMemory('u', 's', { capacity: 2 });
    wm.observe([hits(['a', 1], ['b', 0.5])], { turnTokens: 100 });
    wm.observe([hits(['c', 1])], { turnTokens: 10 });
    // c evicted b from the set, but the block still shows a and b (b is a valid memory; the block waits).
    expect(wm.memberIds()).toEqual(['a', 'c']);
    expect(wm.ids()).toEqual(['a', 'b']);
    const pinned = wm.pin(item('c'));
    expect(pinned).toMatchObject({ changed: true, added: ['c'], removed: ['b'] });
    expect(wm.ids()).toEqual(['c', 'a']);
    const removed = wm.remove(['a']);
    expect(removed).toMatchObject({ changed: true, removed: ['a'] });
    expect(wm.ids()).toEqual(['c']);
    expect(wm.remove(['zzz']).changed).toBe(false);
  });

  it('refresh: an updated block item bumps the version; an unchanged one does not', () => {
    const wm = new WorkingMemory('u', 's');
    wm.observe([hits(['r1', 1])]);
    const v = wm.version;
    expect(wm.refresh([item('r1')]).changed).toBe(false);
    const updated = { ...item('r1'), text: 'new text', version: item('r1').version + 1 };
    expect(wm.refresh([updated])).toMatchObject({ changed: true, version: v + 1 });
    expect(wm.snapshot().entries[0]?.item.text).toBe('new text');
  });

  it('validates rebuildGrowth', () => {
    expect(() => new WorkingMemory('u', 's', { rebuildGrowth: 0.5 })).toThrow(expect.objectContaining({ code: 'MEMOS_VALIDATION' }));
    expect(() => new WorkingMemory('u', 's', { rebuildGrowth: Number.NaN })).toThrow(expect.objectContaining({ code: 'MEMOS_VALIDATION' }));
  });
});
