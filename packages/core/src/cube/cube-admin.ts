import { AccessDeniedError } from '../errors/access-denied-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { ActorScope } from '../governance/actor-scope.ts';
import { withItemRetry, type ConflictRetryOptions } from '../memory/textual/with-item-retry.ts';
import { auditRecord } from '../memory/textual/version-record.ts';
import { nowIso, type MosRuntime } from '../mos/mos-runtime.ts';
import type { GraphStore, MemCubeConfig, UserRecord } from '../spec/index.ts';
import { confineDumpDir } from './confine-dump-dir.ts';
import { dumpCube, type DumpCubeResult } from './dump-cube.ts';
import { loadCube } from './load-cube.ts';

/** Users and cubes: creation, sharing, deletion, dump and load. Access is checked through the caller's scope. */
export class CubeAdmin {
  readonly #rt: MosRuntime;
  /** The share in flight per cube id (shares of one cube in this runtime queue behind it). */
  readonly #shares = new Map<string, Promise<MemCubeConfig>>();

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
    const user: UserRecord = { id: userId, name: input.name, role, createdAt: nowIso(this.#rt) };
    // Create-only, checked in the store's transaction: of concurrent creates of one id exactly one wins.
    await graph.putUser(user, { expect: 'absent' });
    await graph.write({ audit: [auditRecord(this.#rt.ctx, { actor: input.actor?.userId ?? 'system', action: 'createUser', at: user.createdAt, details: { userId, role } })] });
    return user;
  }

  /** Creates a cube owned by the actor, bound to the configured embedder. */
  async createCube(scope: ActorScope, input: { id?: string | undefined; name: string; description?: string | undefined }): Promise<MemCubeConfig> {
    const { graph, embedder, newId } = this.#rt.ctx;
    const cubeId = input.id ?? newId();
    const at = nowIso(this.#rt);
    const cube: MemCubeConfig = {
      id: cubeId, name: input.name, ownerId: scope.userId, embedder: { fingerprint: embedder.fingerprint, dimension: embedder.dimension },
      schemaVersion: this.#rt.schemaVersion, acl: [], createdAt: at, updatedAt: at,
      ...(input.description !== undefined ? { description: input.description } : {}),
    };
    // Create-only, checked in the store's transaction (ConflictError when the id is taken, even by a
    // create or load that passed its own check at the same moment): never overwrites another cube.
    await graph.putCube(cube, { expect: 'absent' });
    await graph.write({ audit: [auditRecord(this.#rt.ctx, { actor: scope.userId, action: 'createCube', at, cubeId })] });
    return cube;
  }

  /**
   * Grants (`read`/`write`/`share`) or revokes (`none`) another user's access; owner or admin only.
   * Shares of one cube in this runtime queue behind each other; since other runtimes and processes
   * may write the same store, the access list is also changed with a compare-and-set on the cube's
   * `updatedAt`: when another writer changed the cube since it was read, the cube is re-read (with
   * the access check) and the grant re-applied, as often as `conflictRetry` allows. A cube deleted
   * meanwhile is a `NotFoundError` and is not written again.
   */
  async shareCube(scope: ActorScope, input: { cubeId: string; withUserId: string; access: 'read' | 'write' | 'share' | 'none' }): Promise<MemCubeConfig> {
    const { ctx } = this.#rt;
    const { graph } = ctx;
    await scope.cube(input.cubeId, 'admin');
    if (!(await graph.getUser(input.withUserId))) throw new NotFoundError('user', input.withUserId);
    const at = nowIso(this.#rt);
    const attempt = async (): Promise<MemCubeConfig> => {
      // Read from the store (the scope caches its reads, and a queued share changed the cube).
      const cube = await reread(graph, scope, input.cubeId);
      const acl = cube.acl.filter((entry) => entry.userId !== input.withUserId);
      if (input.access !== 'none') acl.push({ userId: input.withUserId, access: input.access });
      const next: MemCubeConfig = { ...cube, acl, updatedAt: after(at, cube.updatedAt) };
      await graph.putCube(next, { expect: { updatedAt: cube.updatedAt } });
      return next;
    };
    const onRetry: ConflictRetryOptions['onRetry'] = (info) => {
      ctx.logger.debug('shareCube lost a race with another writer of the cube; re-reading and retrying', info);
      ctx.conflictRetry?.onRetry?.(info);
    };
    const previous = this.#shares.get(input.cubeId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => withItemRetry({ ...ctx.conflictRetry, onRetry, run: attempt }));
    this.#shares.set(input.cubeId, run);
    let updated: MemCubeConfig;
    try {
      updated = await run;
    } finally {
      if (this.#shares.get(input.cubeId) === run) this.#shares.delete(input.cubeId);
    }
    await graph.write({
      audit: [auditRecord(ctx, { actor: scope.userId, action: 'share', at, cubeId: updated.id, details: { withUserId: input.withUserId, access: input.access } })],
    });
    return updated;
  }

  /**
   * Writes a cube as a portable directory; needs the owner, an admin or a `share` grant. With a
   * dump root (`createMemOS({ dumps })`), `dir` must resolve inside it (checked first).
   */
  async dumpCube(scope: ActorScope, input: { cubeId: string; dir: string; includeEmbeddings: boolean }): Promise<DumpCubeResult> {
    const dir = await this.#dumpDir(input.dir, 'dump');
    const cube = await scope.cube(input.cubeId, 'share');
    const at = nowIso(this.#rt);
    // Deleted items go only to those who may restore them (a share grant implies write; kept explicit).
    const includeDeleted = scope.can(cube, 'write');
    const result = await dumpCube({ ctx: this.#rt.ctx, cube, dir, includeEmbeddings: input.includeEmbeddings, includeDeleted, now: at });
    // Registered so that `forget` can remove forgotten data from it; audited like every export.
    const { graph } = this.#rt.ctx;
    await graph.recordDump({ dir: result.dir, cubeId: cube.id, at });
    await graph.write({ audit: [auditRecord(this.#rt.ctx, { actor: scope.userId, action: 'dump', at, cubeId: cube.id, resultCount: result.manifest.counts.memories })] });
    return result;
  }

  /** Loads a dump (untrusted input) as a new cube owned by the actor. With a dump root, `dir` must resolve inside it. */
  async loadCube(scope: ActorScope, input: { dir: string; cubeId?: string | undefined; remintIds: boolean }): Promise<MemCubeConfig> {
    const dir = await this.#dumpDir(input.dir, 'load');
    return loadCube({
      ctx: this.#rt.ctx, dir, userId: scope.userId, ...(input.cubeId ? { cubeId: input.cubeId } : {}),
      schemaVersion: this.#rt.schemaVersion, remintIds: input.remintIds, limits: this.#rt.limits,
    });
  }

  /** The caller's dump directory, confined to the configured dump root (when there is one). */
  async #dumpDir(dir: string, purpose: 'dump' | 'load'): Promise<string> {
    const root = this.#rt.dumpRoot;
    return root === undefined ? dir : confineDumpDir({ root, dir, purpose });
  }
}

/** The stored cube, checked again for the actor (it may have been deleted or changed meanwhile). */
async function reread(graph: GraphStore, scope: ActorScope, cubeId: string): Promise<MemCubeConfig> {
  const cube = await graph.getCube(cubeId);
  if (!cube || !scope.can(cube, 'read')) throw new NotFoundError('cube', cubeId);
  if (!scope.can(cube, 'admin')) throw new AccessDeniedError(scope.userId, cubeId, 'admin');
  return cube;
}

/**
 * `at`, or just after `previous` when the clock has not moved past it: a compare-and-set on
 * `updatedAt` must write a new value, or a writer that read the old record would still pass.
 */
function after(at: string, previous: string): string {
  if (at > previous) return at;
  const next = Date.parse(previous) + 1;
  return Number.isFinite(next) ? new Date(next).toISOString() : at;
}
