import { AccessDeniedError } from '../errors/access-denied-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { GraphStore, MemCubeConfig, MemoryItem, UserRecord } from '../spec/index.ts';
import { canAccess, type CubeAction } from './access-control.ts';

/**
 * The acting user of one MOS call, resolved once, and the cubes that user may act on. Every service
 * takes a scope and asks it for cubes and items, so no code path can forget the cube: item lookups
 * carry the readable cube ids into the store query.
 *
 * Errors reveal nothing beyond what the actor may read: a cube or item that exists but is not
 * readable gets the same `NotFoundError` as one that does not exist, with the caller's own id only.
 * `AccessDeniedError` is used only where the actor can read the cube but not perform the action.
 * Deleted items are visible only to those who may restore them (`write`).
 */
export class ActorScope {
  readonly user: UserRecord;
  readonly #graph: GraphStore;
  readonly #cubes = new Map<string, MemCubeConfig | undefined>();
  #all: Promise<MemCubeConfig[]> | undefined;

  private constructor(graph: GraphStore, user: UserRecord) {
    this.#graph = graph;
    this.user = user;
  }

  /** Loads the acting user (`NotFoundError` when unknown). */
  static async resolve(graph: GraphStore, userId: string): Promise<ActorScope> {
    const user = await graph.getUser(userId);
    if (!user) throw new NotFoundError('user', userId);
    return new ActorScope(graph, user);
  }

  get userId(): string {
    return this.user.id;
  }

  /** Whether the actor may perform `action` on `cube`. */
  can(cube: MemCubeConfig, action: CubeAction): boolean {
    return canAccess(this.user, cube, action);
  }

  /**
   * A cube the actor may perform `action` on. Unknown and unreadable cubes are the same
   * `NotFoundError`; a readable cube without the right is `AccessDeniedError`.
   */
  async cube(cubeId: string, action: CubeAction): Promise<MemCubeConfig> {
    let cube: MemCubeConfig | undefined;
    if (this.#cubes.has(cubeId)) cube = this.#cubes.get(cubeId);
    else {
      cube = await this.#graph.getCube(cubeId);
      this.#cubes.set(cubeId, cube);
    }
    if (!cube || !this.can(cube, 'read')) throw new NotFoundError('cube', cubeId);
    if (!this.can(cube, action)) throw new AccessDeniedError(this.user.id, cubeId, action);
    return cube;
  }

  /**
   * The cubes named (each checked as {@link cube}), or, when none are named, every cube the actor
   * may perform `action` on, ordered by id.
   */
  async cubes(action: CubeAction, cubeIds?: readonly string[]): Promise<MemCubeConfig[]> {
    if (cubeIds !== undefined) return Promise.all([...new Set(cubeIds)].map((id) => this.cube(id, action)));
    this.#all ??= this.#graph.listCubes().then((cubes) =>
      cubes.filter((cube) => this.can(cube, 'read')).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    );
    return (await this.#all).filter((cube) => this.can(cube, action));
  }

  /**
   * The cubes a listing or search over `statuses` may cover. Asking for deleted items is a
   * restorer's query: it covers only cubes the actor may write; naming a read-only cube in it is
   * `AccessDeniedError`, while the implicit "all my cubes" silently narrows to the writable ones.
   */
  async listable(cubeIds: readonly string[] | undefined, statuses: readonly string[] | undefined): Promise<MemCubeConfig[]> {
    const cubes = await this.cubes('read', cubeIds);
    if (!statuses?.includes('deleted')) return cubes;
    const readOnly = cubes.find((cube) => !this.can(cube, 'write'));
    if (readOnly && cubeIds !== undefined) throw new AccessDeniedError(this.user.id, readOnly.id, 'write');
    return cubes.filter((cube) => this.can(cube, 'write'));
  }

  /**
   * One item the actor may perform `action` on (`read` by default). The store is asked for the id
   * within the actor's readable cubes only; a deleted item exists only for those who may restore it.
   */
  async item(id: string, action: CubeAction = 'read'): Promise<{ item: MemoryItem; cube: MemCubeConfig }> {
    const readable = await this.cubes('read');
    const [item] = await this.#graph.getItems([id], { cubeIds: readable.map((cube) => cube.id) });
    const cube = item && readable.find((c) => c.id === item.cubeId);
    if (!item || !cube || (item.status === 'deleted' && !this.can(cube, 'write'))) throw new NotFoundError('memory', id);
    if (!this.can(cube, action)) throw new AccessDeniedError(this.user.id, cube.id, action);
    return { item, cube };
  }
}
