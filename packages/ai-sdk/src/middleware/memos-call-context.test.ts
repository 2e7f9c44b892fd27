import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { resolveFromProviderOptions } from './memos-call-context.ts';

const call = (providerOptions?: LanguageModelV4CallOptions['providerOptions']): LanguageModelV4CallOptions => ({ prompt: [], ...(providerOptions ? { providerOptions } : {}) });

describe('resolveFromProviderOptions', () => {
  it('reads providerOptions.memos', () => {
    expect(resolveFromProviderOptions(call({ memos: { userId: 'u', cubeId: 'c', cubeIds: ['c', 'd'], sessionId: 's', userName: 'U', assistantName: 'A', turnId: 't', other: 1 } }))).toEqual({
      userId: 'u', cubeId: 'c', cubeIds: ['c', 'd'], sessionId: 's', userName: 'U', assistantName: 'A', turnId: 't',
    });
    expect(resolveFromProviderOptions(call({ memos: { userId: 'u', cubeId: null } }))).toEqual({ userId: 'u' });
  });

  it('gives undefined (pass through) without a memos entry', () => {
    expect(resolveFromProviderOptions(call())).toBeUndefined();
    expect(resolveFromProviderOptions(call({ openai: { user: 'x' } }))).toBeUndefined();
  });

  it('rejects a malformed entry with the offending field', () => {
    expect(() => resolveFromProviderOptions(call({ memos: { cubeId: 'c' } }))).toThrow(expect.objectContaining({ field: 'providerOptions.memos.userId' }));
    expect(() => resolveFromProviderOptions(call({ memos: { userId: 7 } }))).toThrow(expect.objectContaining({ field: 'providerOptions.memos.userId' }));
    expect(() => resolveFromProviderOptions(call({ memos: { userId: 'u', cubeIds: [] } }))).toThrow(expect.objectContaining({ field: 'providerOptions.memos.cubeIds' }));
  });
});
