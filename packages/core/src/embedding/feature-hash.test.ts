import { describe, expect, it } from 'vitest';
import { FNV_OFFSET_BASIS, fmix32, fnv1aUpdate, fnv1aUpdateCode, hashString } from './feature-hash.ts';

describe('feature hash', () => {
  it('matches the FNV-1a 32 reference values', () => {
    expect(fnv1aUpdate(FNV_OFFSET_BASIS, '')).toBe(0x811c9dc5);
    expect(fnv1aUpdate(FNV_OFFSET_BASIS, 'a')).toBe(0xe40c292c);
    expect(fnv1aUpdate(FNV_OFFSET_BASIS, 'foobar')).toBe(0xbf9cf968);
  });

  it('matches the murmur3 fmix32 reference values', () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
  });

  it('hashes incrementally and by code unit the same way', () => {
    const whole = fnv1aUpdate(FNV_OFFSET_BASIS, 'support group');
    const parts = fnv1aUpdate(fnv1aUpdateCode(fnv1aUpdate(FNV_OFFSET_BASIS, 'support'), 0x20), 'group');
    expect(parts).toBe(whole);
    expect(fnv1aUpdate(FNV_OFFSET_BASIS, 'xxsupportxx', 2, 9)).toBe(fnv1aUpdate(FNV_OFFSET_BASIS, 'support'));
  });

  it('returns unsigned 32-bit integers', () => {
    for (const text of ['', 'a', 'emoji 🎉', 'x'.repeat(1000)]) {
      const h = hashString(text);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });
});
