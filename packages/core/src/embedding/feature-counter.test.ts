import { describe, expect, it } from 'vitest';
import { FeatureCounter } from './feature-counter.ts';

function entries(counter: FeatureCounter): [number, number][] {
  const out: [number, number][] = [];
  counter.forEach((hash, count) => out.push([hash, count]));
  return out;
}

describe('FeatureCounter', () => {
  it('counts distinct hashes in first-seen order, including 0 and 2^32-1', () => {
    const counter = new FeatureCounter(16);
    for (const h of [5, 0, 5, 0xffffffff, 5, 21]) counter.add(h);
    expect(entries(counter)).toEqual([
      [5, 3],
      [0, 1],
      [0xffffffff, 1],
      [21, 1],
    ]);
    expect(counter.size).toBe(4);
  });

  it('forgets everything on clear and can be reused', () => {
    const counter = new FeatureCounter(16);
    counter.add(7);
    counter.clear();
    expect(counter.size).toBe(0);
    counter.add(7);
    counter.add(7);
    expect(entries(counter)).toEqual([[7, 2]]);
  });

  it('grows past its initial capacity without losing counts', () => {
    const counter = new FeatureCounter(16);
    for (let round = 0; round < 2; round++) for (let i = 0; i < 5000; i++) counter.add((i * 2654435761) >>> 0);
    const all = entries(counter);
    expect(all).toHaveLength(5000);
    expect(all.every(([, count]) => count === 2)).toBe(true);
  });
});
