import type { CubeAclEntry, MemCubeConfig, UserRecord } from '../spec/index.ts';

/**
 * What a user wants to do with a cube:
 * - `read`: search, get, list, history (deleted items excluded);
 * - `write`: add, update, delete, invalidate, rollback, relate; see and restore deleted items;
 * - `share`: export the cube (dump) — the owner, an admin, or an explicit `share` grant;
 * - `admin`: share with others, audit, repair, delete the cube — the owner or an admin.
 */
export type CubeAction = 'read' | 'write' | 'share' | 'admin';

const GRANT_RANK: Record<CubeAclEntry['access'], number> = { read: 1, write: 2, share: 3 };
const ACTION_RANK: Record<Exclude<CubeAction, 'admin'>, number> = { read: 1, write: 2, share: 3 };

/**
 * Whether `user` may perform `action` on `cube`: admins and the owner may do anything; otherwise
 * the user's grant must be at least the action (`read` < `write` < `share`); `admin` is never granted.
 */
export function canAccess(user: UserRecord, cube: MemCubeConfig, action: CubeAction): boolean {
  if (user.role === 'admin' || cube.ownerId === user.id) return true;
  if (action === 'admin') return false;
  const grant = cube.acl.find((entry) => entry.userId === user.id);
  if (!grant) return false;
  return (GRANT_RANK[grant.access] ?? 0) >= ACTION_RANK[action];
}
