import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.ts';
import { checkIdentityOptions, parseIdentity, resolveIdentity } from './adapter-identity.ts';

describe('adapter identity', () => {
  it('checkIdentityOptions: exactly one of identity and trustClientIdentity: true', () => {
    expect(() => checkIdentityOptions({}, 'mw')).toThrow(expect.objectContaining({ field: 'mw.identity', message: expect.stringContaining('trustClientIdentity') }));
    expect(() => checkIdentityOptions({ trustClientIdentity: false }, 'mw')).toThrow(ValidationError);
    expect(() => checkIdentityOptions({ identity: () => undefined, trustClientIdentity: true }, 'mw')).toThrow(ValidationError);
    expect(() => checkIdentityOptions({ identity: { userId: '' } }, 'mw')).toThrow(expect.objectContaining({ field: 'mw.identity.userId' }));
    expect(() => checkIdentityOptions({ identity: 'alice' as never }, 'mw')).toThrow(expect.objectContaining({ field: 'mw.identity' }));
    expect(() => checkIdentityOptions({ trustClientIdentity: 1 as never }, 'mw')).toThrow(expect.objectContaining({ field: 'mw.trustClientIdentity' }));
    expect(() => checkIdentityOptions({ identity: { userId: 'u' } }, 'mw')).not.toThrow();
    expect(() => checkIdentityOptions({ identity: () => ({ userId: 'u' }) }, 'mw')).not.toThrow();
    expect(() => checkIdentityOptions({ trustClientIdentity: true }, 'mw')).not.toThrow();
  });

  it('parseIdentity keeps userId, cubeId, cubeIds and rejects bad values', () => {
    expect(parseIdentity({ userId: 'u', cubeId: 'c', cubeIds: ['a'], extra: 1 }, 'f')).toEqual({ userId: 'u', cubeId: 'c', cubeIds: ['a'] });
    expect(() => parseIdentity(null, 'f')).toThrow(expect.objectContaining({ field: 'f' }));
    expect(() => parseIdentity({ userId: 'u', cubeId: 3 }, 'f')).toThrow(expect.objectContaining({ field: 'f.cubeId' }));
    expect(() => parseIdentity({ userId: 'u', cubeIds: ['a', ''] }, 'f')).toThrow(expect.objectContaining({ field: 'f.cubeIds' }));
  });

  it('resolveIdentity runs a resolver with the source and validates what it returns', async () => {
    expect(await resolveIdentity({ userId: 'fixed' }, { any: 1 }, 'f')).toEqual({ userId: 'fixed' });
    expect(await resolveIdentity(async (s: { user: string }) => ({ userId: s.user }), { user: 'bob' }, 'f')).toEqual({ userId: 'bob' });
    expect(await resolveIdentity(() => undefined, {}, 'f')).toBeUndefined();
    await expect(resolveIdentity(() => ({ userId: 42 }) as never, {}, 'f')).rejects.toMatchObject({ field: 'f.userId' });
  });
});
