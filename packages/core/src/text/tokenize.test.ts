import { describe, expect, it } from 'vitest';
import { tokenize } from './tokenize.ts';

describe('tokenize', () => {
  it('lower-cases, drops stopwords and possessives, and stems', () => {
    expect(tokenize("Caroline's paintings of the Lakes were PAINTED")).toEqual(['carolin', 'paint', 'lak', 'paint']);
  });
  it('maps inflections of one word together', () => {
    expect(new Set([...tokenize('paint painted painting paints')])).toEqual(new Set(['paint']));
  });
  it('maps a verb and its -ing form together (the silent e)', () => {
    for (const [a, b] of [['hike', 'hiking'], ['make', 'making'], ['hope', 'hoping'], ['bake', 'baked']]) expect(tokenize(a!)).toEqual(tokenize(b!));
  });
  it('folds accents and keeps numbers and unicode words', () => {
    expect(tokenize('Café in Zürich, 2023 — 東京')).toEqual(['caf', 'zurich', '2023', '東京']);
  });
  it('returns nothing for punctuation or stopwords only', () => {
    expect(tokenize('... the and of !!')).toEqual([]);
  });
});
