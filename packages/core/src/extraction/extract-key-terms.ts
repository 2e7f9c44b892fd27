import { stem } from '../text/stem.ts';
import { tokenize } from '../text/tokenize.ts';

/** Options for {@link extractKeyTerms}. */
export interface ExtractKeyTermsOptions {
  /** The text to summarise. */
  text: string;
  /** Most terms to return (>= 1). */
  maxTerms: number;
}

/**
 * The first `maxTerms` distinct content words of `text`, in order of first occurrence, in their
 * unstemmed (lower-cased, accent-folded) surface form: `"I went to a LGBTQ support group
 * yesterday"` gives `["went", "lgbtq", "support", "group", "yesterday"]`. Words are deduplicated
 * by stem, so "painting" and "paintings" count once. Falls back to stopwords when the text has
 * no content words, and to nothing when it has no words at all.
 */
export function extractKeyTerms(options: ExtractKeyTermsOptions): string[] {
  const { text, maxTerms } = options;
  let words = tokenize(text, { stem: false });
  if (words.length === 0) words = tokenize(text, { stem: false, keepStopwords: true });
  const seen = new Set<string>();
  const terms: string[] = [];
  for (const word of words) {
    const root = stem(word);
    if (seen.has(root)) continue;
    seen.add(root);
    terms.push(word);
    if (terms.length >= maxTerms) break;
  }
  return terms;
}
