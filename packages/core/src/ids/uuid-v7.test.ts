import { describe, expect, it } from 'vitest';
import { uuidV7 } from './uuid-v7.ts';

describe('uuidV7', () => {
  it('is a valid version 7 UUID', () => {
    expect(uuidV7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('sorts in generation order, also within one millisecond and when the clock goes back', () => {
    const ids = [uuidV7(5_000), uuidV7(5_000), uuidV7(5_000), uuidV7(4_000), uuidV7(6_000)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
  it('encodes the timestamp in the first 48 bits', () => {
    const t = Date.parse('2030-01-01T00:00:00Z');
    expect(parseInt(uuidV7(t).replace(/-/g, '').slice(0, 12), 16)).toBe(t);
  });
});
