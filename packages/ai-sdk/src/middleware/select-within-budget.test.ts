import type { MemoryItem } from '@memos-js/core';
import { describe, expect, it } from 'vitest';
import type { SessionMemory } from './get-session-memories.ts';
import { approximateTokens, selectWithinBudget } from './select-within-budget.ts';

const memory = (id: string, text: string): SessionMemory => ({ item: { id, text } as MemoryItem });
const format = (memories: readonly SessionMemory[]) => memories.map((m) => m.item.text).join('\n');

describe('selectWithinBudget', () => {
  const memories = [memory('a', 'x'.repeat(40)), memory('b', 'y'.repeat(400)), memory('c', 'z'.repeat(4))];

  it('keeps the longest rank-prefix that fits, never skipping to a shorter lower-ranked memory', () => {
    const { memories: chosen, text } = selectWithinBudget({ memories, tokenBudget: 20, format });
    expect(chosen.map((m) => m.item.id)).toEqual(['a']);
    expect(text).toBe('x'.repeat(40));
  });

  it('keeps everything within a large budget and nothing within a tiny one', () => {
    expect(selectWithinBudget({ memories, tokenBudget: 1000, format }).memories).toHaveLength(3);
    expect(selectWithinBudget({ memories, tokenBudget: 5, format })).toEqual({ memories: [], text: '' });
  });

  it('uses a pluggable token counter', () => {
    const words = (text: string) => text.split(/\s+/).length;
    expect(selectWithinBudget({ memories, tokenBudget: 2, format, countTokens: words }).memories.map((m) => m.item.id)).toEqual(['a', 'b']);
  });

  it('approximates tokens as characters / 4, rounded up', () => {
    expect(approximateTokens('')).toBe(0);
    expect(approximateTokens('abcde')).toBe(2);
  });
});
