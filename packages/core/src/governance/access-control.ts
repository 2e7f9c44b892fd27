import { AccessDeniedError } from '../errors/access-denied-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { GraphStore, MemCubeConfig, UserRecord } from '../spec/index.ts';

/** What a user wants to do with a cube. */
export type CubeAction = 'read' | 'write' | 'admin';

/**
 * Whether `user` may perform `action` on `cube`: admins and the owner may do anything;
 * a `write` grant allows read and write; a `read` grant allows read.
 */
export function canAccess(user: UserRecord, cube: MemCubeConfig, action: CubeAction): boolean {
  if (user.role === 'admin' || cube.ownerId === user.id) return true;
  if (action === 'admin') return false;
  const grant = cube.acl.find((entry) => entry.userId === user.id);
  if (!grant) return false;
  return action === 'read' || grant.access === 'write';
}

/** Loads the user or throws `NotFoundError`. */
export async function requireUser(graph: GraphStore, userId: string): Promise<UserRecord> {
  const user = await graph.getUser(userId);
  if (!user) throw new NotFoundError('user', userId);
  return user;
}

/** Loads user and cube and checks access, or throws `NotFoundError` / `AccessDeniedError`. */
export async function requireCube(graph: GraphStore, userId: string, cubeId: string, action: CubeAction): Promise<{ user: UserRecord; cube: MemCubeConfig }> {
  const user = await requireUser(graph, userId);
  const cube = await graph.getCube(cubeId);
  if (!cube) throw new NotFoundError('cube', cubeId);
  if (!canAccess(user, cube, action)) throw new AccessDeniedError(userId, cubeId, action);
  return { user, cube };
}

/** Every cube the user can read (owned, shared, or all for admins), ordered by id. */
export async function readableCubes(graph: GraphStore, user: UserRecord): Promise<MemCubeConfig[]> {
  const cubes = await graph.listCubes();
  return cubes.filter((cube) => canAccess(user, cube, 'read')).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
