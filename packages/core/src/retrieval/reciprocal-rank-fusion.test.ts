import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from './reciprocal-rank-fusion.ts';

describe('reciprocalRankFusion', () => {
  it('sums weighted reciprocal ranks and records each rank', () => {
    const fused = reciprocalRankFusion([
      { name: 'a', weight: 1, ids: ['x', 'y'] },
      { name: 'b', weight: 2, ids: ['y', 'z'] },
    ], 10);
    expect(fused.map((e) => e.id)).toEqual(['y', 'z', 'x']);
    expect(fused[0]?.score).toBeCloseTo(1 / 12 + 2 / 11, 12);
    expect(fused[0]?.ranks).toEqual({ a: 2, b: 1 });
  });
  it('breaks ties by id and ignores zero-weight lists and repeated ids', () => {
    const fused = reciprocalRankFusion([
      { name: 'a', weight: 1, ids: ['b', 'b'] },
      { name: 'c', weight: 1, ids: ['a'] },
      { name: 'z', weight: 0, ids: ['q'] },
    ]);
    expect(fused.map((e) => e.id)).toEqual(['a', 'b']);
    expect(fused[1]?.ranks).toEqual({ a: 1 });
  });
});
