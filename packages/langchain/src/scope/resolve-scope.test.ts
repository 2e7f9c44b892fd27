import { ValidationError } from '@memos-js/core';
import { describe, expect, it } from 'vitest';
import { requireCubeId, resolveScope } from './resolve-scope.ts';

describe('resolveScope', () => {
  it('merges thread id, configurable, context, static options and the resolver, in that order', async () => {
    const source = { configurable: { thread_id: 't1', userId: 'from-config', cubeId: 'config-cube' }, context: { userId: 'from-context', cubeIds: ['a', 'b'] } };
    expect(await resolveScope({}, source, 'f')).toEqual({ sessionId: 't1', userId: 'from-context', cubeId: 'config-cube', cubeIds: ['a', 'b'] });
    expect(await resolveScope({ userId: 'fixed', sessionId: 's' }, source, 'f')).toMatchObject({ userId: 'fixed', sessionId: 's' });
    expect(await resolveScope({ userId: 'fixed', resolveScope: ({ context }) => ({ userId: `r-${(context as { userId: string }).userId}` }) }, source, 'f')).toMatchObject({ userId: 'r-from-context' });
    expect(await resolveScope({ userId: 'u', resolveScope: async () => undefined }, {}, 'f')).toEqual({ userId: 'u' });
  });

  it('ignores values of the wrong type and requires a user id', async () => {
    await expect(resolveScope({}, { context: { userId: 42 }, configurable: { cubeIds: [1] } }, 'node')).rejects.toMatchObject({ field: 'node.userId' });
    await expect(resolveScope({}, {}, 'node')).rejects.toBeInstanceOf(ValidationError);
    expect(() => requireCubeId({ userId: 'u' }, 'tool')).toThrow(expect.objectContaining({ field: 'tool.cubeId' }));
    expect(requireCubeId({ userId: 'u', cubeId: 'c' }, 'tool')).toBe('c');
  });
});
