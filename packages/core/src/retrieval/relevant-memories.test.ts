import { describe, expect, it } from 'vitest';
import type { MemoryItem } from '../spec/index.ts';
import { isAssistantMemory, relevantMemories } from './relevant-memories.ts';

function item(id: string, roles: Array<'user' | 'assistant' | 'api'>): MemoryItem {
  return {
    id, cubeId: 'c', ownerId: 'u', kind: 'plaintext', memoryType: 'event', text: id, key: id, tags: [], metadata: {}, confidence: 1, status: 'active', version: 1,
    sources: roles.map((role) => ({ role })), createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', accessCount: 0, importance: 0.5, vectorSyncState: 'synced',
  };
}

describe('relevantMemories', () => {
  it('keeps rank order above the floor, drops assistant-only memories at weight 0, skips excluded and repeated ids', () => {
    const hits = [
      { item: item('u1', ['user']), score: 1.2 },
      { item: item('a1', ['assistant']), score: 0.9 },
      { item: item('mixed', ['user', 'assistant']), score: 0.7 },
      { item: item('u1', ['user']), score: 0.6 },
      { item: item('wm', ['user']), score: 0.9 },
      { item: item('low', ['api']), score: 0.2 },
      { item: item('unscored', ['user']) },
    ];
    const kept = relevantMemories(hits, { minScore: 0.5, assistantWeight: 0, exclude: new Set(['wm']) });
    expect(kept.map((m) => m.item.id)).toEqual(['u1', 'mixed', 'unscored']);
    expect(relevantMemories(hits, { minScore: 0.5, assistantWeight: 1 }).map((m) => m.item.id)).toEqual(['u1', 'a1', 'mixed', 'wm', 'unscored']);
    expect(relevantMemories(hits, { minScore: 0.5, assistantWeight: 0.5 }).map((m) => m.item.id)).not.toContain('a1');
  });

  it('an assistant memory is one whose every source is the assistant', () => {
    expect(isAssistantMemory(item('x', ['assistant']))).toBe(true);
    expect(isAssistantMemory(item('x', ['assistant', 'user']))).toBe(false);
    expect(isAssistantMemory(item('x', []))).toBe(false);
  });
});
