import { ValidationError } from '@memos-js/core';
import { describe, expect, it } from 'vitest';
import { checkScopeOptions, requireCubeId, resolveScope } from './resolve-scope.ts';

const hostile = { configurable: { thread_id: 't1', userId: 'victim', cubeId: 'victim-cube', cubeIds: ['victim-cube'], auth: 'bob' }, context: { userId: 'victim', sessionId: 'ctx-session' } };

describe('resolveScope', () => {
  it('takes the user and cubes from the server-side identity only, whatever the run says', async () => {
    const identity = ({ configurable }: { configurable?: Record<string, unknown> | undefined }) => ({ userId: String(configurable?.['auth']), cubeId: 'bob-notes' });
    expect(await resolveScope({ identity }, hostile, 'f')).toEqual({ userId: 'bob', cubeId: 'bob-notes', sessionId: 'ctx-session' });
    expect(await resolveScope({ identity: { userId: 'fixed' }, cubeIds: ['a'], sessionId: 's' }, hostile, 'f')).toEqual({ userId: 'fixed', cubeIds: ['a'], sessionId: 's' });
    // The identity wins over the static cube; the static cube is the default.
    expect(await resolveScope({ identity: { userId: 'u', cubeId: 'from-identity' }, cubeId: 'static' }, {}, 'f')).toEqual({ userId: 'u', cubeId: 'from-identity' });
    expect(await resolveScope({ identity: async () => ({ userId: 'u' }), cubeId: 'static' }, { configurable: { thread_id: 't' } }, 'f')).toEqual({ userId: 'u', cubeId: 'static', sessionId: 't' });
  });

  it('reads the user from context, then configurable, only with trustClientIdentity (static options still win)', async () => {
    const source = { configurable: { thread_id: 't1', userId: 'from-config', cubeId: 'config-cube' }, context: { userId: 'from-context', cubeIds: ['a', 'b'] } };
    expect(await resolveScope({ trustClientIdentity: true }, source, 'f')).toEqual({ sessionId: 't1', userId: 'from-context', cubeId: 'config-cube', cubeIds: ['a', 'b'] });
    expect(await resolveScope({ trustClientIdentity: true, cubeId: 'fixed', sessionId: 's' }, source, 'f')).toMatchObject({ cubeId: 'fixed', sessionId: 's' });
  });

  it('requires a user: a resolver giving none, values of the wrong type, or no identity option', async () => {
    await expect(resolveScope({ identity: () => undefined }, hostile, 'node')).rejects.toMatchObject({ field: 'node.userId' });
    await expect(resolveScope({ trustClientIdentity: true }, { context: { userId: 42 }, configurable: { cubeIds: [1] } }, 'node')).rejects.toMatchObject({ field: 'node.userId' });
    await expect(resolveScope({}, hostile, 'node')).rejects.toMatchObject({ field: 'node.identity' });
    await expect(resolveScope({ identity: () => ({ userId: 7 }) as never }, {}, 'node')).rejects.toMatchObject({ field: 'node.identity.userId' });
    await expect(resolveScope({ identity: () => ({ userId: 'u', cubeIds: [] }) }, {}, 'node')).rejects.toMatchObject({ field: 'node.identity.cubeIds' });
    expect(() => requireCubeId({ userId: 'u' }, 'tool')).toThrow(expect.objectContaining({ field: 'tool.cubeId' }));
    expect(requireCubeId({ userId: 'u', cubeId: 'c' }, 'tool')).toBe('c');
  });

  it('checkScopeOptions: exactly one of identity and trustClientIdentity', () => {
    expect(() => checkScopeOptions({}, 'x')).toThrow(ValidationError);
    expect(() => checkScopeOptions({ trustClientIdentity: false }, 'x')).toThrow(expect.objectContaining({ field: 'x.identity' }));
    expect(() => checkScopeOptions({ identity: { userId: 'u' }, trustClientIdentity: true }, 'x')).toThrow(expect.objectContaining({ field: 'x.identity' }));
    expect(() => checkScopeOptions({ identity: { userId: 'u', cubeId: '' } }, 'x')).toThrow(expect.objectContaining({ field: 'x.identity.cubeId' }));
    expect(() => checkScopeOptions({ trustClientIdentity: 'yes' as unknown as boolean }, 'x')).toThrow(expect.objectContaining({ field: 'x.trustClientIdentity' }));
    expect(() => checkScopeOptions({ identity: () => undefined }, 'x')).not.toThrow();
    expect(() => checkScopeOptions({ trustClientIdentity: true }, 'x')).not.toThrow();
  });
});
