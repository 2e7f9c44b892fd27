import { describe, expect, it } from 'vitest';
import { chunkText } from './chunk-text.ts';

const sentences = (n: number, prefix = 'Sentence'): string => Array.from({ length: n }, (_, i) => `${prefix} number ${i} talks about something.`).join(' ');

describe('chunkText', () => {
  it('keeps short text as one chunk and drops blank text', () => {
    expect(chunkText({ text: '  Hello world.  ', maxChars: 100, overlapChars: 10 })).toEqual(['Hello world.']);
    expect(chunkText({ text: ' \n\n \t', maxChars: 100, overlapChars: 10 })).toEqual([]);
  });

  it('packs whole paragraphs when they fit', () => {
    const text = 'First paragraph.\n\nSecond paragraph.\r\n\r\nThird one here.';
    expect(chunkText({ text, maxChars: 40, overlapChars: 0 })).toEqual(['First paragraph.\n\nSecond paragraph.', 'Third one here.']);
  });

  it('splits long paragraphs at sentence boundaries and respects maxChars', () => {
    const text = sentences(40);
    const chunks = chunkText({ text, maxChars: 200, overlapChars: 0 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(200);
      expect(chunk).toMatch(/^Sentence number \d+/);
      expect(chunk).toMatch(/something\.$/);
    }
    expect(chunks.join(' ')).toBe(text);
  });

  it('overlaps consecutive chunks with whole trailing sentences', () => {
    const chunks = chunkText({ text: sentences(40), maxChars: 200, overlapChars: 80 });
    for (let i = 1; i < chunks.length; i++) {
      const previousLast = (chunks[i - 1] ?? '').split(/(?<=\.) /).at(-1) ?? '';
      expect(chunks[i]?.startsWith(previousLast)).toBe(true);
      expect(chunks[i]?.length).toBeLessThanOrEqual(200);
    }
  });

  it('falls back to the last words when a sentence is longer than the overlap', () => {
    const long = `${'alpha '.repeat(30).trim()}. ${'beta '.repeat(30).trim()}.`;
    const chunks = chunkText({ text: long, maxChars: 200, overlapChars: 30 });
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toMatch(/^(alpha )+alpha\. beta/);
    expect(chunks[1]?.length).toBeLessThanOrEqual(200);
  });

  it('hard-splits words longer than a chunk without breaking surrogate pairs', () => {
    const text = `${'x'.repeat(250)} ${'🎉'.repeat(150)}`;
    const chunks = chunkText({ text, maxChars: 100, overlapChars: 0 });
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(100);
      expect(chunk).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    }
    expect(chunks.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
    const odd = chunkText({ text: '🎉'.repeat(101), maxChars: 101, overlapChars: 20 });
    for (const chunk of odd) expect(chunk).not.toMatch(/[\ud800-\udbff]$|^[\udc00-\udfff]/);
  });

  it('handles CJK and text without spaces', () => {
    const text = '東京は日本の首都です。'.repeat(30);
    const chunks = chunkText({ text, maxChars: 100, overlapChars: 20 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(100);
  });
});
