import { AccessDeniedError } from '../errors/access-denied-error.ts';
import { ConflictError } from '../errors/conflict-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { ActorScope } from '../governance/actor-scope.ts';
import { auditRecord } from '../memory/textual/version-record.ts';
import { nowIso, type MosRuntime } from '../mos/mos-runtime.ts';
import type { MemCubeConfig, UserRecord } from '../spec/index.ts';
import { dumpCube, type DumpCubeResult } from './dump-cube.ts';
import { loadCube } from './load-cube.ts';

/** Users and cubes: creation, sharing, deletion, dump and load. Access is checked through the caller's scope. */
export class CubeAdmin {
  readonly #rt: MosRuntime;

  constructor(rt: MosRuntime) {
    this.#rt = rt;
  }

  /** Creates the configured root user as an admin (or promotes it). Idempotent. */
  async bootstrapRoot(root: { id: string; name?: string }): Promise<void> {
    const { graph } = this.#rt.ctx;
    const existing = await graph.getUser(root.id);
    if (existing?.role === 'admin') return;
    const user: UserRecord = existing ? { ...existing, role: 'admin' } : { id: root.id, name: root.name ?? root.id, role: 'admin', createdAt: nowIso(this.#rt) };
    await graph.putUser(user);
  }

  /** Creates a user; an `admin` only when `actor` is an admin. */
  async createUser(input: { id?: string | undefined; name: string; role?: 'admin' | 'user' | undefined; actor?: ActorScope | undefined }): Promise<UserRecord> {
    const { graph, newId } = this.#rt.ctx;
    const role = input.role ?? 'user';
    if (role === 'admin' && input.actor?.user.role !== 'admin') throw new AccessDeniedError(input.actor?.userId ?? '(anonymous)', '', 'create-admin');
    const userId = input.id ?? newId();
    if (await graph.getUser(userId)) throw new ConflictError('user', userId, `User ${userId} already exists`);
    const user: UserRecord = { id: userId, name: input.name, role, createdAt: nowIso(this.#rt) };
    await graph.putUser(user);
    return user;
  }

  /** Creates a cube owned by the actor, bound to the configured embedder. */
  async createCube(scope: ActorScope, input: { id?: string | undefined; name: string; description?: string | undefined }): Promise<MemCubeConfig> {
    const { graph, embedder, newId } = this.#rt.ctx;
    const cubeId = input.id ?? newId();
    if (await graph.getCube(cubeId)) throw new ConflictError('cube', cubeId, `Cube ${cubeId} already exists`);
    const at = nowIso(this.#rt);
    const cube: MemCubeConfig = {
      id: cubeId, name: input.name, ownerId: scope.userId, embedder: { fingerprint: embedder.fingerprint, dimension: embedder.dimension },
      schemaVersion: this.#rt.schemaVersion, acl: [], createdAt: at, updatedAt: at,
      ...(input.description !== undefined ? { description: input.description } : {}),
    };
    await graph.putCube(cube);
    await graph.write({ audit: [auditRecord(this.#rt.ctx, { actor: scope.userId, action: 'createCube', at, cubeId })] });
    return cube;
  }

  /** Grants (`read`/`write`/`share`) or revokes (`none`) another user's access; owner or admin only. */
  async shareCube(scope: ActorScope, input: { cubeId: string; withUserId: string; access: 'read' | 'write' | 'share' | 'none' }): Promise<MemCubeConfig> {
    const { graph } = this.#rt.ctx;
    const cube = await scope.cube(input.cubeId, 'admin');
    if (!(await graph.getUser(input.withUserId))) throw new NotFoundError('user', input.withUserId);
    const acl = cube.acl.filter((entry) => entry.userId !== input.withUserId);
    if (input.access !== 'none') acl.push({ userId: input.withUserId, access: input.access });
    const at = nowIso(this.#rt);
    const updated: MemCubeConfig = { ...cube, acl, updatedAt: at };
    await graph.putCube(updated);
    await graph.write({
      audit: [auditRecord(this.#rt.ctx, { actor: scope.userId, action: 'share', at, cubeId: cube.id, details: { withUserId: input.withUserId, access: input.access } })],
    });
    return updated;
  }

  /** Writes a cube as a portable directory; needs the owner, an admin or a `share` grant. */
  async dumpCube(scope: ActorScope, input: { cubeId: string; dir: string; includeEmbeddings: boolean }): Promise<DumpCubeResult> {
    const cube = await scope.cube(input.cubeId, 'share');
    const at = nowIso(this.#rt);
    // Deleted items go only to those who may restore them (a share grant implies write; kept explicit).
    const includeDeleted = scope.can(cube, 'write');
    const result = await dumpCube({ ctx: this.#rt.ctx, cube, dir: input.dir, includeEmbeddings: input.includeEmbeddings, includeDeleted, now: at });
    // Registered so that `forget` can remove forgotten data from it; audited like every export.
    const { graph } = this.#rt.ctx;
    await graph.recordDump({ dir: result.dir, cubeId: cube.id, at });
    await graph.write({ audit: [auditRecord(this.#rt.ctx, { actor: scope.userId, action: 'dump', at, cubeId: cube.id, resultCount: result.manifest.counts.memories })] });
    return result;
  }

  /** Loads a dump (untrusted input) as a new cube owned by the actor. */
  async loadCube(scope: ActorScope, input: { dir: string; cubeId?: string | undefined; remintIds: boolean }): Promise<MemCubeConfig> {
    return loadCube({
      ctx: this.#rt.ctx, dir: input.dir, userId: scope.userId, ...(input.cubeId ? { cubeId: input.cubeId } : {}),
      schemaVersion: this.#rt.schemaVersion, remintIds: input.remintIds, limits: this.#rt.limits,
    });
  }
}
