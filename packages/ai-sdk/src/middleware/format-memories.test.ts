import type { MemoryItem } from '@memos-js/core';
import { describe, expect, it } from 'vitest';
import { formatMemories, formatMemoryLine, MEMORY_HEADER } from './format-memories.ts';

function item(overrides: Partial<MemoryItem>): MemoryItem {
  return {
    id: 'm1', cubeId: 'c', ownerId: 'u', kind: 'plaintext', memoryType: 'event', text: 'text', key: 'k', tags: [], metadata: {}, confidence: 1,
    status: 'active', version: 1, sources: [], createdAt: '2025-01-02T03:04:05.000Z', updatedAt: '2025-01-02T03:04:05.000Z', accessCount: 0,
    importance: 0.5, vectorSyncState: 'synced', ...overrides,
  };
}

describe('formatMemories', () => {
  it('renders a header and one line per memory with date and speaker, in the given order', () => {
    const text = formatMemories([
      { item: item({ text: 'Priya: I adopted a beagle.', sources: [{ role: 'user', speaker: 'Priya', chatTime: '2024-03-03T19:12:00.000Z' }] }), score: 0.03 },
      { item: item({ text: 'Sounds\n\n  lovely!', sources: [{ role: 'assistant', chatTime: '2024-03-03T19:13:00.000Z' }] }) },
      { item: item({ text: 'Allergic to peanuts', sources: [{ role: 'api' }], validAt: '2023-12-31T23:00:00.000Z' }) },
      { item: item({ text: 'Chapter one', memoryType: 'document', sources: [{ role: 'document', docPath: 'notes/plan.md', chunkIndex: 0 }] }) },
      { item: item({ text: 'Tom said hi', sources: [{ role: 'user', speaker: 'Tom' }] }) },
    ]);
    expect(text).toBe(
      [
        MEMORY_HEADER,
        '- [2024-03-03] Priya: I adopted a beagle.',
        '- [2024-03-03 · assistant] Sounds lovely!',
        '- [2023-12-31] Allergic to peanuts',
        '- [2025-01-02 · notes/plan.md] Chapter one',
        '- [2025-01-02 · Tom] Tom said hi',
      ].join('\n'),
    );
  });

  it('is a pure function of the memories (scores, access counts and clocks do not show)', () => {
    const a = item({ text: 'x', sources: [{ role: 'user', speaker: 'P' }] });
    const first = formatMemories([{ item: a, score: 0.5 }]);
    const second = formatMemories([{ item: { ...a, accessCount: 7, lastAccessedAt: '2030-01-01T00:00:00.000Z' }, score: 0.1 }]);
    expect(second).toBe(first);
  });

  it('returns an empty string for no memories', () => {
    expect(formatMemories([])).toBe('');
    expect(formatMemoryLine({ item: item({}) })).toBe('- [2025-01-02] text');
  });
});
