import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors/validation-error.ts';
import type { MemoryItem } from '../../spec/memory-item.ts';
import type { ItemFilter } from '../../spec/search.ts';
import { createFixtures, isoAt } from '../../testing/fixtures.ts';
import { compareItems } from './compare-items.ts';
import { matchesFilter } from './matches-filter.ts';
import { validateItemFilter } from './validate-item-filter.ts';

const fx = createFixtures({ prefix: 'mf' });
const base: MemoryItem = fx.item({
  cubeId: 'c1',
  ownerId: 'o1',
  sessionId: 's1',
  memoryType: 'event',
  status: 'archived',
  tags: ['a', 'b'],
  metadata: { topic: 'work', rank: 2, flag: true, none: null },
  createdAt: isoAt(100),
  validAt: isoAt(50),
  invalidAt: isoAt(200),
  expiredAt: isoAt(300),
});

const cases: [string, ItemFilter, boolean][] = [
  ['empty filter', {}, true],
  ['statuses absent = any status', { cubeIds: ['c1'] }, true],
  ['ids member', { ids: [base.id] }, true],
  ['ids empty', { ids: [] }, false],
  ['cubeIds other', { cubeIds: ['c2'] }, false],
  ['statuses empty', { statuses: [] }, false],
  ['statuses member', { statuses: ['active', 'archived'] }, true],
  ['memoryTypes', { memoryTypes: ['event'] }, true],
  ['memoryTypes empty', { memoryTypes: [] }, false],
  ['ownerId', { ownerId: 'o2' }, false],
  ['sessionId', { sessionId: 's1' }, true],
  ['tagsAny one', { tagsAny: ['z', 'b'] }, true],
  ['tagsAny none', { tagsAny: ['z'] }, false],
  ['tagsAny empty', { tagsAny: [] }, false],
  ['tagsAll subset', { tagsAll: ['a', 'b'] }, true],
  ['tagsAll missing one', { tagsAll: ['a', 'c'] }, false],
  ['tagsAll empty', { tagsAll: [] }, true],
  ['metadata string', { metadata: { topic: 'work' } }, true],
  ['metadata case', { metadata: { topic: 'Work' } }, false],
  ['metadata number', { metadata: { rank: 2.0 } }, true],
  ['metadata number vs string', { metadata: { rank: '2' } }, false],
  ['metadata boolean', { metadata: { flag: true } }, true],
  ['metadata boolean vs 1', { metadata: { flag: 1 } }, false],
  ['metadata null matches null', { metadata: { none: null } }, true],
  ['metadata null matches missing', { metadata: { absent: null } }, true],
  ['metadata null vs value', { metadata: { topic: null } }, false],
  ['metadata missing key', { metadata: { absent: 'x' } }, false],
  ['createdFrom inclusive', { createdFrom: isoAt(100) }, true],
  ['createdTo exclusive', { createdTo: isoAt(100) }, false],
  ['validFrom inclusive', { validFrom: isoAt(50) }, true],
  ['validTo exclusive', { validTo: isoAt(50) }, false],
  ['asOf at validAt', { asOf: isoAt(50) }, true],
  ['asOf before validAt', { asOf: isoAt(49) }, false],
  ['asOf ignores system time (before createdAt)', { asOf: isoAt(60) }, true],
  ['asOf at invalidAt', { asOf: isoAt(200) }, false],
  ['asOf just before invalidAt', { asOf: isoAt(199) }, true],
  ['knownAt at createdAt', { knownAt: isoAt(100) }, true],
  ['knownAt before createdAt', { knownAt: isoAt(99) }, false],
  ['knownAt ignores world time (after invalidAt)', { knownAt: isoAt(250) }, true],
  ['knownAt at expiredAt', { knownAt: isoAt(300) }, false],
  ['expiresAfter without expiresAt', { expiresAfter: isoAt(1e6) }, true],
  ['asOf and knownAt', { asOf: isoAt(60), knownAt: isoAt(150) }, true],
  ['all together', { cubeIds: ['c1'], statuses: ['archived'], tagsAll: ['a'], metadata: { rank: 2 }, asOf: isoAt(150), knownAt: isoAt(150) }, true],
];

describe('matchesFilter', () => {
  it.each(cases)('%s', (_name, filter, expected) => {
    expect(matchesFilter(base, filter)).toBe(expected);
  });

  it('excludes items without validAt when a valid bound is set; for asOf they hold from createdAt', () => {
    const { validAt: _drop, ...noValid } = base;
    expect(matchesFilter(noValid, { validFrom: isoAt(0) })).toBe(false);
    expect(matchesFilter(noValid, { validTo: isoAt(999) })).toBe(false);
    expect(matchesFilter(noValid, { asOf: isoAt(-999) })).toBe(false);
    expect(matchesFilter(noValid, { asOf: isoAt(99) })).toBe(false);
    expect(matchesFilter(noValid, { asOf: isoAt(100) })).toBe(true);
    const { invalidAt: _i, expiredAt: _e, ...open } = noValid;
    expect(matchesFilter(open, { asOf: isoAt(99999), knownAt: isoAt(99999) })).toBe(true);
    expect(matchesFilter({ ...noValid, sessionId: undefined }, { sessionId: 's1' })).toBe(false);
  });
});

describe('expiresAfter (TTL)', () => {
  const ttl = { ...base, expiresAt: isoAt(400) };
  it.each([
    [isoAt(399), true],
    [isoAt(400), false],
    [isoAt(401), false],
  ])('expiresAt 400, expiresAfter %s -> %s', (at, expected) => {
    expect(matchesFilter(ttl, { expiresAfter: at })).toBe(expected);
    expect(matchesFilter({ ...ttl, pinned: true }, { expiresAfter: at })).toBe(true);
    expect(matchesFilter({ ...ttl, pinned: false }, { expiresAfter: at })).toBe(expected);
    expect(matchesFilter(ttl, { expiredBy: at })).toBe(!expected);
    expect(matchesFilter({ ...ttl, pinned: true }, { expiredBy: at })).toBe(false);
    expect(matchesFilter(base, { expiredBy: at })).toBe(false);
  });
});

describe('compareItems', () => {
  it('orders by the field in the direction, then id in the same direction', () => {
    const a = { ...base, id: 'b', createdAt: isoAt(1), updatedAt: isoAt(9) };
    const b = { ...base, id: 'a', createdAt: isoAt(1), updatedAt: isoAt(5) };
    const c = { ...base, id: 'c', createdAt: isoAt(0), updatedAt: isoAt(7) };
    const ids = (order: Parameters<typeof compareItems>[2]) => [a, b, c].sort((x, y) => compareItems(x, y, order)).map((i) => i.id);
    expect(ids({})).toStrictEqual(['c', 'a', 'b']);
    expect(ids({ direction: 'desc' })).toStrictEqual(['b', 'a', 'c']);
    expect(ids({ order: 'updatedAt' })).toStrictEqual(['a', 'c', 'b']);
    expect(ids({ order: 'updatedAt', direction: 'desc' })).toStrictEqual(['b', 'c', 'a']);
  });
});

describe('validateItemFilter', () => {
  it('accepts well-formed filters and rejects malformed ones', () => {
    expect(() => validateItemFilter({ cubeIds: ['a'], metadata: { x: null, y: 1 }, asOf: isoAt(0), knownAt: isoAt(1), sessionId: undefined })).not.toThrow();
    for (const bad of [null, [], { cubeIds: 'a' }, { tagsAny: [1] }, { ownerId: 3 }, { asOf: '2024-01-01' }, { knownAt: 5 }, { metadata: { x: [] } }, { metadata: { x: Infinity } }, { unknownField: 1 }]) {
      expect(() => validateItemFilter(bad), JSON.stringify(bad)).toThrow(ValidationError);
    }
  });
});
