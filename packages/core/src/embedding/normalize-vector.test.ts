import { describe, expect, it } from 'vitest';
import { l2Normalize, nullVector } from './normalize-vector.ts';

describe('normalize-vector', () => {
  it('normalises to unit length', () => {
    const [x, y] = l2Normalize([3, 4]);
    expect(x).toBeCloseTo(0.6, 12);
    expect(y).toBeCloseTo(0.8, 12);
  });

  it('turns zero and non-finite vectors into the null vector, never NaN', () => {
    expect(l2Normalize([0, 0, 0, 0])).toEqual(nullVector(4));
    expect(l2Normalize([Number.NaN, 1, 0, 0])).toEqual(nullVector(4));
    expect(l2Normalize([Number.POSITIVE_INFINITY, 1, 0, 0])).toEqual(nullVector(4));
    expect(nullVector(4)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});
