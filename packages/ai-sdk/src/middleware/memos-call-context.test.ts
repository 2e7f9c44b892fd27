import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { resolveCallContext, resolveFromProviderOptions } from './memos-call-context.ts';

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

describe('resolveCallContext', () => {
  const hostile = call({ memos: { userId: 'victim', cubeId: 'victim-cube', cubeIds: ['victim-cube'], sessionId: 's', userName: 'U', turnId: 't' } });

  it('takes user and cubes from identity only, details from the resolver, else providerOptions', async () => {
    expect(await resolveCallContext({ identity: { userId: 'me', cubeId: 'mine' } }, hostile)).toEqual({ userId: 'me', cubeId: 'mine', sessionId: 's', userName: 'U', turnId: 't' });
    expect(await resolveCallContext({ identity: () => ({ userId: 'me', sessionId: 'own', assistantName: 'A' }) }, hostile)).toEqual({ userId: 'me', sessionId: 'own', userName: 'U', assistantName: 'A', turnId: 't' });
    expect(await resolveCallContext({ identity: async () => ({ userId: 'me' }) }, call())).toEqual({ userId: 'me' });
    expect(await resolveCallContext({ identity: () => undefined }, hostile)).toBeUndefined();
  });

  it('reads providerOptions.memos only with trustClientIdentity, and validates everything', async () => {
    expect(await resolveCallContext({ trustClientIdentity: true }, hostile)).toMatchObject({ userId: 'victim', cubeId: 'victim-cube' });
    expect(await resolveCallContext({}, hostile)).toBeUndefined();
    await expect(resolveCallContext({ identity: () => ({ userId: 'me', sessionId: 3 }) as never }, call())).rejects.toMatchObject({ field: 'memosMiddleware.identity.sessionId' });
    await expect(resolveCallContext({ identity: { userId: 'me' } }, call({ memos: { sessionId: '' } }))).rejects.toMatchObject({ field: 'providerOptions.memos.sessionId' });
    await expect(resolveCallContext({ identity: { userId: 'me' } }, call({ memos: 'x' } as never))).rejects.toMatchObject({ field: 'providerOptions.memos' });
  });
});
