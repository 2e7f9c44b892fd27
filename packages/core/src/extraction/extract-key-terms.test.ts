import { describe, expect, it } from 'vitest';
import { extractKeyTerms } from './extract-key-terms.ts';

describe('extractKeyTerms', () => {
  it('keeps content words in order of first occurrence, unstemmed and deduplicated by stem', () => {
    expect(extractKeyTerms({ text: 'I went to a LGBTQ support group yesterday and the group was great', maxTerms: 6 })).toEqual([
      'went',
      'lgbtq',
      'support',
      'group',
      'yesterday',
      'great',
    ]);
    expect(extractKeyTerms({ text: 'Paintings! I painted a painting of paintings.', maxTerms: 6 })).toEqual(['paintings']);
  });

  it('stops at maxTerms', () => {
    expect(extractKeyTerms({ text: 'alpha beta gamma delta epsilon', maxTerms: 2 })).toEqual(['alpha', 'beta']);
  });

  it('falls back to stopwords, then to nothing', () => {
    expect(extractKeyTerms({ text: 'How are you?', maxTerms: 6 })).toEqual(['how', 'are', 'you']);
    expect(extractKeyTerms({ text: '🎉🎉 !!', maxTerms: 6 })).toEqual([]);
  });
});
