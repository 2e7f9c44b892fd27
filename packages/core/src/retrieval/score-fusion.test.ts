import { describe, expect, it } from 'vitest';
import { scoreFusion } from './score-fusion.ts';

describe('scoreFusion', () => {
  it('sums weighted max-normalised scores and records ranks', () => {
    const fused = scoreFusion([
      { name: 'keyword', weight: 1, hits: [{ id: 'a', score: 10 }, { id: 'b', score: 1 }] },
      { name: 'vector', weight: 0.5, hits: [{ id: 'b', score: 0.8 }, { id: 'c', score: 0.4 }] },
    ]);
    expect(fused.map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(fused[1]).toEqual({ id: 'b', score: 0.6, ranks: { keyword: 2, vector: 1 } });
    expect(fused[0]!.score).toBe(1);
    expect(fused[2]!.score).toBe(0.25);
  });
  it('keeps a strong hit above a weak hit that appears in more lists', () => {
    const fused = scoreFusion([
      { name: 'keyword', weight: 1, hits: [{ id: 'strong', score: 9 }, { id: 'weak', score: 0.5 }] },
      { name: 'vector', weight: 1, hits: [{ id: 'strong', score: 0.9 }, { id: 'weak', score: 0.05 }] },
      { name: 'graph', weight: 0.5, hits: [{ id: 'weak', score: 1 }] },
    ]);
    expect(fused.map((e) => e.id)).toEqual(['strong', 'weak']);
  });
  it('ignores zero-weight and all-zero lists and breaks ties by id', () => {
    const fused = scoreFusion([
      { name: 'k', weight: 1, hits: [{ id: 'y', score: 2 }, { id: 'x', score: 2 }] },
      { name: 'z', weight: 0, hits: [{ id: 'q', score: 5 }] },
      { name: 'v', weight: 1, hits: [{ id: 'p', score: 0 }] },
    ]);
    expect(fused.map((e) => e.id)).toEqual(['x', 'y']);
  });
});
