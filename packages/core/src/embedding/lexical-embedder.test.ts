import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemosError } from '../errors/memos-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import { createLexicalEmbedder, type LexicalEmbedderOptions } from './lexical-embedder.ts';
import { nullVector } from './normalize-vector.ts';

const cosine = (a: number[], b: number[]): number => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
const norm = (v: number[]): number => Math.sqrt(cosine(v, v));

describe('createLexicalEmbedder', () => {
  const embedder = createLexicalEmbedder();

  it('has the documented default dimension and fingerprint', () => {
    expect(embedder.dimension).toBe(512);
    expect(embedder.fingerprint).toBe('lexical-v1:d512:u1:b0.5:c1:n3-5');
  });

  it('is deterministic across calls and instances', async () => {
    const text = 'Caroline: I went to a LGBTQ support group yesterday and it was so powerful.';
    const [a] = await embedder.embed([text]);
    const [b] = await createLexicalEmbedder().embed([text]);
    expect(a).toEqual(b);
    expect(await embedder.embedQuery(text)).toEqual(a);
    expect(embedder.embedSync(text)).toEqual(a);
  });

  it('never changes its vectors without a new fingerprint (golden digest)', () => {
    // If this fails, the algorithm changed: bump `lexical-v1` in the fingerprint, then update the digest.
    const v = createLexicalEmbedder({ dimension: 1024 }).embedSync('Caroline: I went to a LGBTQ support group yesterday');
    const digest = createHash('sha256').update(v.map((x) => x.toFixed(6)).join(',')).digest('hex').slice(0, 16);
    expect(digest).toBe('9f7879b092a3fa63');
  });

  it('returns L2-normalised vectors of the configured dimension', async () => {
    const vectors = await embedder.embed(['short', 'Melanie painted a lake sunrise last year.', 'the weather is nice']);
    for (const v of vectors) {
      expect(v).toHaveLength(512);
      expect(norm(v)).toBeCloseTo(1, 10);
    }
  });

  it('places related texts closer than unrelated ones', () => {
    const query = embedder.embedSync('When did Caroline go to the LGBTQ support group?');
    const relevant = embedder.embedSync('Caroline: I went to a LGBTQ support group yesterday and it was so powerful.');
    const unrelated = embedder.embedSync('Melanie: I painted a sunrise over the lake last year.');
    expect(cosine(query, relevant)).toBeGreaterThan(cosine(query, unrelated) + 0.2);
    const paint = embedder.embedSync('Melanie paints sunrises');
    expect(cosine(paint, unrelated)).toBeGreaterThan(cosine(paint, relevant));
  });

  it('matches spelling variants through character n-grams', () => {
    // At 1024 dimensions hashing noise (~0.03) is well below the thresholds.
    const withChars = createLexicalEmbedder({ dimension: 1024 });
    const wordsOnly = createLexicalEmbedder({ dimension: 1024, charNgramWeight: 0 });
    const pair = (e: typeof withChars, a: string, b: string) => cosine(e.embedSync(a), e.embedSync(b));
    for (const [a, b] of [
      ['destress', 'de-stress'],
      ['icecream', 'ice cream'],
      ['LGBTQ', 'LGBT'],
      ['counselor', 'counseling'],
    ] as const) {
      expect(pair(withChars, a, b), `${a} / ${b}`).toBeGreaterThan(0.25);
      expect(Math.abs(pair(wordsOnly, a, b)), `${a} / ${b}`).toBeLessThan(0.15);
    }
    const typo = (e: typeof withChars) => cosine(e.embedSync('counseling certification'), e.embedSync('counselling certifications'));
    expect(typo(withChars)).toBeGreaterThan(0.5);
  });

  it('uses word order through bigrams', () => {
    const e = createLexicalEmbedder({ charNgramWeight: 0 });
    const a = e.embedSync('support group');
    expect(cosine(a, e.embedSync('support group'))).toBeCloseTo(1, 10);
    expect(cosine(a, e.embedSync('group support'))).toBeLessThan(0.95);
  });

  it('honours the dimension option', async () => {
    const small = createLexicalEmbedder({ dimension: 64 });
    const [v] = await small.embed(['hello world']);
    expect(small.dimension).toBe(64);
    expect(v).toHaveLength(64);
    expect(norm(v ?? [])).toBeCloseTo(1, 10);
  });

  it('changes the fingerprint with every option that changes vectors', () => {
    const variants: LexicalEmbedderOptions[] = [
      {},
      { dimension: 1024 },
      { unigramWeight: 0.5 },
      { bigramWeight: 0 },
      { charNgramWeight: 0.25 },
      { charNgramMin: 2 },
      { charNgramMax: 4 },
    ];
    const fingerprints = variants.map((o) => createLexicalEmbedder(o).fingerprint);
    expect(new Set(fingerprints).size).toBe(variants.length);
    expect(createLexicalEmbedder({ dimension: 512, bigramWeight: 0.5 }).fingerprint).toBe(fingerprints[0]);
  });

  it('rejects invalid options with ValidationError', () => {
    const bad: LexicalEmbedderOptions[] = [
      { dimension: 0 },
      { dimension: 100.5 },
      { dimension: 1 << 20 },
      { unigramWeight: -1 },
      { bigramWeight: Number.NaN },
      { charNgramWeight: Number.POSITIVE_INFINITY },
      { charNgramMin: 4, charNgramMax: 3 },
      { charNgramMax: 9 },
      { unigramWeight: 0, bigramWeight: 0, charNgramWeight: 0 },
    ];
    for (const options of bad) expect(() => createLexicalEmbedder(options), JSON.stringify(options)).toThrow(ValidationError);
  });

  it('rejects non-string input with ValidationError', async () => {
    await expect(embedder.embed([42 as unknown as string])).rejects.toThrow(ValidationError);
    await expect(embedder.embed('text' as unknown as string[])).rejects.toThrow(ValidationError);
    const error = await embedder.embed([null as unknown as string]).catch((e: unknown) => e);
    expect(MemosError.isInstance(error) && error.code).toBe('MEMOS_VALIDATION');
  });

  it('never returns NaN or a zero vector, whatever the input', async () => {
    const odd = [
      '',
      '   \n\t ',
      '🎉🎉🎉',
      '👩‍👩‍👧 ❤️',
      '!!! ??? ...',
      'the and of to',
      'a'.repeat(100_000),
      'word '.repeat(20_000),
      '\u0000\u0001',
      '\ud800 lone surrogate \udc00',
      'Zürich café naïve — 東京 مرحبا',
      'e\u0301\u0301\u0301',
      'x',
    ];
    for (const dimension of [16, 1024]) {
      const e = createLexicalEmbedder({ dimension });
      const vectors = await e.embed(odd);
      vectors.forEach((v, i) => {
        expect(v, JSON.stringify(odd[i]).slice(0, 40)).toHaveLength(dimension);
        expect(v.every(Number.isFinite)).toBe(true);
        expect(norm(v)).toBeCloseTo(1, 10);
      });
    }
  });

  it('maps empty text to the constant null vector and keeps wordless text distinguishable', () => {
    expect(embedder.embedSync('')).toEqual(nullVector(512));
    expect(embedder.embedSync('  \n')).toEqual(nullVector(512));
    expect(cosine(embedder.embedSync('How are you?'), embedder.embedSync('Who are they?'))).toBeLessThan(0.5);
    expect(cosine(embedder.embedSync('🎉'), embedder.embedSync('🎉'))).toBeCloseTo(1, 10);
    expect(cosine(embedder.embedSync('🎉'), embedder.embedSync('🐢'))).toBeLessThan(0.5);
    expect(Math.abs(cosine(embedder.embedSync(''), embedder.embedSync('Melanie painted a sunrise')))).toBeLessThan(0.3);
  });

  it('embeds 10k short chat turns quickly (logged, not asserted)', async () => {
    const names = ['Caroline', 'Melanie', 'Jon', 'Gina', 'Nate', 'Joanna'];
    const words = 'went support group painting sunrise lake camping kids pottery class adoption agency counseling career dance studio turtles tournament game screenplay movie'.split(' ');
    const turns = Array.from({ length: 10_000 }, (_, i) => {
      const picked = Array.from({ length: 12 }, (_, j) => words[(i * 7 + j * 13) % words.length]).join(' ');
      return `${names[i % names.length]}: Hey! Yesterday I ${picked}, it was really ${i % 2 ? 'great' : 'fun'}.`;
    });
    const e = createLexicalEmbedder();
    await e.embed(turns.slice(0, 200)); // warm-up
    const started = performance.now();
    const vectors = await e.embed(turns);
    const ms = performance.now() - started;
    console.log(`lexical embedder: ${turns.length} turns (avg ${Math.round(turns.reduce((s, t) => s + t.length, 0) / turns.length)} chars) in ${ms.toFixed(0)} ms`);
    expect(vectors).toHaveLength(10_000);
  });
});
