import { stem } from './stem.ts';
import { STOPWORDS } from './stopwords.ts';

/** Options for {@link tokenize}. */
export interface TokenizeOptions {
  /** Keep stopwords (default false). */
  keepStopwords?: boolean;
  /** Apply the light stemmer (default true). */
  stem?: boolean;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

/**
 * Splits text into normalised terms: Unicode words, lower-cased, accents folded, possessive
 * `'s` dropped, stopwords removed, lightly stemmed. Every backend's keyword index and the
 * lexical embedder use this one function, so rankings agree across backends.
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const out: string[] = [];
  const folded = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  for (const match of folded.matchAll(WORD)) {
    let word = match[0].replace(/['’](s|t|ll|re|ve|d|m)?$/u, '').replace(/['’]/gu, '');
    if (word.length === 0) continue;
    if (!options.keepStopwords && STOPWORDS.has(word)) continue;
    if (options.stem !== false) word = stem(word);
    if (word.length > 64) word = word.slice(0, 64);
    out.push(word);
  }
  return out;
}
