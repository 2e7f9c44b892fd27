import {
  BaseStore, validateNamespace, type GetOperation, type Item, type ListNamespacesOperation, type Operation, type OperationResults, type PutOperation,
  type SearchItem, type SearchOperation,
} from '@langchain/langgraph-checkpoint';
import { MEMORY_STATUSES, ValidationError, type AdapterIdentity, type AdapterIdentityOptions, type MemOS, type MemoryItem, type MetadataValue } from '@memos-js/core';
import { checkScopeOptions, resolveScope, type MemOSScope, type ScopeSource } from '../scope/resolve-scope.ts';
import { compareInsertion, decodeItem, defaultTextField, encodeItem, foreignMetadata, isStoreMemory, levelKey, META, namespaceFilter, nextOrder, type DecodedItem } from './store-codec.ts';
import { listNamespaces, matchesValueFilter } from './store-filter.ts';

/**
 * Options of {@link MemOSStore}. Identity: exactly one of `identity` and `trustClientIdentity: true`
 * (see `ScopeOptions`); the store acts as that user in every MOS call, so the MOS's access control
 * decides which namespaces (through their cubes) it may read and write.
 */
export interface MemOSStoreOptions extends AdapterIdentityOptions<ScopeSource> {
  /** The MemOS runtime (set up). */
  mos: MemOS;
  /**
   * Default cube of the store's namespaces, used when the identity names no `cubeId` and
   * `namespaceCube` is not set.
   */
  cubeId?: string;
  /**
   * The cube that holds a namespace (default: the identity's `cubeId`, else `cubeId`, for every
   * namespace). Every operation on a namespace runs in its cube as the acting user, so the MOS
   * access control applies: a user cannot read or write a namespace whose cube is not theirs or
   * shared with them. Called with an item's namespace, and with the prefix of a search or a
   * `listNamespaces`: return `undefined` for a prefix that spans several cubes (the cubes the user
   * can read are searched then, and an item counts only in the cube its namespace maps to).
   * Example: `(ns) => (ns[0] === 'memories' && ns[1] ? `${ns[1]}-memories` : undefined)`.
   */
  namespaceCube?: (namespace: readonly string[], identity: AdapterIdentity) => string | undefined;
  /** Name that separates several stores sharing one cube (default `default`). */
  storeName?: string;
  /**
   * Value fields indexed for semantic search, with LangGraph's path syntax (`title`,
   * `meta.summary`, `chapters[*].text`, `$` for the whole value). Default: the `text` or `content`
   * field when it is a non-empty string, else the whole value as JSON. A per-put `index` overrides it.
   */
  index?: { fields?: string[] };
  /** Memory type of new items (default: the MemOS reader's choice). */
  memoryType?: string;
  /** Tags added to every item (default `['langgraph']`). */
  tags?: string[];
}

type Decoded = DecodedItem & { score?: number };

/** Who one batch runs as. */
interface Actor {
  userId: string;
  scope: MemOSScope;
}

/** The cubes an operation reads: one cube, or every cube the user can read (then checked per item). */
interface Target {
  cubeIds: string[] | undefined;
}

/**
 * A LangGraph `BaseStore` whose items are MemOS memories: each item is one memory in the cube of
 * its namespace (its indexed text is the memory text; namespace, key and JSON value live in the
 * memory's metadata), so store items are versioned, auditable and found by the MemOS retriever and tools.
 *
 * - Identity: the store acts as the user of `identity`. A resolver gets the run the store is bound
 *   to: the memory nodes bind it to their run (`forRun`); used directly, it has no run (`{}`), so a
 *   resolver that needs one fails with `ValidationError` instead of guessing.
 * - Isolation: namespaces map to cubes (`namespaceCube`), and every read and write is a MOS call as
 *   the acting user on that cube, checked by the MOS access control.
 * - `get`/`put`/`delete`/`search`/`listNamespaces` behave like LangGraph's `InMemoryStore` (same
 *   filters, insertion order for searches without `query`, sorted namespaces, reads in a batch see
 *   the state before its writes, the last write per key wins).
 * - `put` to an existing key updates the memory (a new MemOS version, `createdAt` kept);
 *   `value: null` soft-deletes it (restorable with `mos.rollback`).
 * - `search` with `query` ranks by MemOS hybrid search (vectors + BM25, fused); `score` is the fused
 *   score. Items put with `index: false` are not ranked and come after the ranked ones, without a
 *   score (offset and limit page through the ranked items, then the unranked ones). A query
 *   longer than the MOS `maxQueryChars` is cut to it; a blank query means no query.
 * - Edits made to a store memory through MemOS (e.g. `mos.update` of its text) show up in the value
 *   field that was indexed (`text` or `content`).
 * - `listNamespaces` lists namespaces that hold at least one live item (`InMemoryStore` keeps listing
 *   a namespace whose items were all deleted).
 */
export class MemOSStore extends BaseStore {
  readonly mos: MemOS;
  /** The default cube (`options.cubeId`). */
  readonly cubeId: string | undefined;
  readonly storeName: string;
  readonly #options: MemOSStoreOptions;
  /** The run this store is bound to (`{}`: none). */
  #source: ScopeSource = {};
  /** Tail of the writes, shared by the store and its run-bound views (puts run one batch at a time). */
  #writes: { tail: Promise<unknown> } = { tail: Promise.resolve() };

  constructor(options: MemOSStoreOptions) {
    super();
    checkScopeOptions(options, 'MemOSStore');
    if (options.namespaceCube !== undefined && typeof options.namespaceCube !== 'function') throw new ValidationError('MemOSStore.namespaceCube', 'must be a function');
    const fixed = typeof options.identity === 'object' ? options.identity : undefined;
    if (options.namespaceCube === undefined && options.cubeId === undefined && fixed !== undefined && fixed.cubeId === undefined) {
      throw new ValidationError('MemOSStore.cubeId', 'is not set: pass `cubeId`, a `cubeId` in `identity`, or `namespaceCube`');
    }
    this.mos = options.mos;
    this.cubeId = options.cubeId;
    this.storeName = options.storeName ?? 'default';
    this.#options = options;
  }

  /**
   * This store bound to a run (its `configurable` and `context`): the identity is resolved from it.
   * The memory nodes call it with their run; call it yourself when you use the store in your own
   * nodes (`store.forRun(config)`). The view shares the store's options and write queue.
   */
  forRun(source: ScopeSource): MemOSStore {
    const view = new MemOSStore(this.#options);
    view.#source = { context: source.context, configurable: source.configurable };
    view.#writes = this.#writes;
    return view;
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    operations.forEach((op, i) => validateOperation(op, i));
    const actor = await this.#actor();
    const targets = operations.map((op, i) => this.#target(op, actor, `store.batch[${i}]`));
    const results: unknown[] = operations.map(() => undefined);
    const puts = new Map<string, { op: PutOperation; cubeId: string }>();
    const reads: Promise<void>[] = [];
    operations.forEach((op, i) => {
      const target = targets[i]!;
      if ('namespacePrefix' in op) reads.push(this.#search(actor, target, op).then((r) => void (results[i] = r)));
      else if ('value' in op) puts.set(JSON.stringify([op.namespace, op.key]), { op, cubeId: target.cubeIds![0]! });
      else if ('key' in op && 'namespace' in op) reads.push(this.#get(actor, target, op).then((r) => void (results[i] = r)));
      else reads.push(this.#listNamespaces(actor, target, op as ListNamespacesOperation).then((r) => void (results[i] = r)));
    });
    await Promise.all(reads);
    if (puts.size > 0) {
      const run = this.#writes.tail.catch(() => undefined).then(async () => {
        for (const { op, cubeId } of puts.values()) await this.#put(actor, cubeId, op);
      });
      this.#writes.tail = run;
      await run;
    }
    return results as OperationResults<Op>;
  }

  /** The user of this batch, from `identity` (or the run, with `trustClientIdentity`). */
  async #actor(): Promise<Actor> {
    const scope = await resolveScope(
      { ...(this.#options.identity !== undefined ? { identity: this.#options.identity } : {}), ...(this.#options.trustClientIdentity !== undefined ? { trustClientIdentity: this.#options.trustClientIdentity } : {}), ...(this.#options.cubeId !== undefined ? { cubeId: this.#options.cubeId } : {}) },
      this.#source, 'store',
    );
    return { userId: scope.userId, scope };
  }

  /** The cube a namespace maps to for the actor (undefined: none). */
  #cubeOf(namespace: readonly string[], actor: Actor): string | undefined {
    const { namespaceCube } = this.#options;
    if (namespaceCube === undefined) return actor.scope.cubeId;
    const identity: AdapterIdentity = { userId: actor.userId, ...(actor.scope.cubeId !== undefined ? { cubeId: actor.scope.cubeId } : {}), ...(actor.scope.cubeIds !== undefined ? { cubeIds: actor.scope.cubeIds } : {}) };
    const cube = namespaceCube(namespace, identity);
    if (cube !== undefined && (typeof cube !== 'string' || cube.length === 0)) throw new ValidationError('MemOSStore.namespaceCube', 'must return a non-empty cube id or undefined');
    return cube;
  }

  /** Where an operation runs, decided before anything is read or written. */
  #target(op: Operation, actor: Actor, field: string): Target {
    const exact = 'namespacePrefix' in op ? undefined : 'namespace' in op ? op.namespace : undefined;
    if (exact !== undefined) {
      const cube = this.#cubeOf(exact, actor);
      if (cube === undefined) throw new ValidationError(`${field}.namespace`, 'maps to no cube: set `cubeId` (options or identity) or return one from `namespaceCube`');
      return { cubeIds: [cube] };
    }
    const prefix = 'namespacePrefix' in op ? op.namespacePrefix : prefixOf(op as ListNamespacesOperation);
    const cube = this.#cubeOf(prefix, actor);
    if (cube !== undefined) return { cubeIds: [cube] };
    if (this.#options.namespaceCube === undefined) throw new ValidationError(`${field}`, 'has no cube: set `cubeId` (options or identity) or `namespaceCube`');
    return { cubeIds: actor.scope.cubeIds };
  }

  /** True when an item lies in the cube its namespace maps to (always, without `namespaceCube`). */
  #inItsCube(decoded: DecodedItem, actor: Actor): boolean {
    return this.#options.namespaceCube === undefined || this.#cubeOf(decoded.namespace, actor) === decoded.memory.cubeId;
  }

  async #get(actor: Actor, target: Target, op: GetOperation): Promise<Item | null> {
    const [found] = await this.#live(actor, target, op.namespace, op.key);
    return found ? toItem(found) : null;
  }

  async #put(actor: Actor, cubeId: string, op: PutOperation): Promise<void> {
    const { mos } = this;
    const { userId } = actor;
    const target = { cubeIds: [cubeId] };
    const [current, ...duplicates] = await this.#live(actor, target, op.namespace, op.key);
    for (const extra of duplicates) await mos.delete({ userId, id: extra.memory.id, reason: 'duplicate LangGraph store item' });
    if (op.value === null) {
      if (current) await mos.delete({ userId, id: current.memory.id, reason: 'LangGraph store delete' });
      return;
    }
    const nsOrd = current?.nsOrd ?? (await this.#namespaceOrder(actor, cubeId, op.namespace));
    const encoded = encodeItem({
      storeName: this.storeName, namespace: op.namespace, key: op.key, value: op.value, index: op.index, defaultFields: this.#options.index?.fields,
      ord: current?.ord ?? nextOrder(), nsOrd, maxTextChars: mos.limits.maxTextChars, maxMetadataKeys: mos.limits.maxMetadataKeys,
    });
    const textField = encoded.metadata[META.noIndex] !== true && op.index === undefined && this.#options.index?.fields === undefined ? defaultTextField(op.value) : undefined;
    if (textField !== undefined) encoded.metadata[META.textField] = textField;
    if (current) {
      encoded.metadata[META.syncedVersion] = current.memory.version + 1;
      const textChanged = encoded.text !== current.memory.text;
      await mos.update({ userId, id: current.memory.id, metadata: { ...foreignMetadata(current.memory.metadata), ...encoded.metadata }, ...(textChanged ? { text: encoded.text } : {}), reason: 'LangGraph store put' });
      return;
    }
    encoded.metadata[META.syncedVersion] = 1;
    const { items } = await mos.add({
      userId, cubeId, text: encoded.text, metadata: encoded.metadata, tags: this.#options.tags ?? ['langgraph'],
      ...(this.#options.memoryType !== undefined ? { memoryType: this.#options.memoryType } : {}),
    });
    // The core has no verbatim add: the reader may split a long text into chunks (or rewrite it in
    // fine mode). A store item is one memory, so keep the first, give it the exact text, drop the rest.
    const [head, ...rest] = items;
    if (!head) throw new ValidationError('store.put.value', `the MemOS reader (${mos.reader.mode} mode) made no memory of this value`);
    for (const extra of rest) await mos.delete({ userId, id: extra.id, reason: 'a LangGraph store item is a single memory' });
    if (head.text !== encoded.text) {
      await mos.update({ userId, id: head.id, text: encoded.text, metadata: { ...head.metadata, [META.syncedVersion]: head.version + 1 }, reason: 'LangGraph store put (exact text)' });
    }
  }

  async #search(actor: Actor, target: Target, op: SearchOperation): Promise<SearchItem[]> {
    const offset = op.offset ?? 0;
    const limit = op.limit ?? 10;
    const prefix = namespaceFilter(this.storeName, op.namespacePrefix, false);
    const query = op.query?.trim().slice(0, this.mos.limits.maxQueryChars) ?? '';
    if (query.length === 0) {
      const all = (await this.#all(actor, target, prefix)).filter((d) => matchesValueFilter(d.value, op.filter)).sort(compareInsertion);
      return all.slice(offset, offset + limit).map((d) => ({ ...toItem(d), score: undefined }));
    }
    // One list: the ranked items, then the unranked (`index: false`) ones in insertion order; the
    // page is cut from it, so an unranked item shows up on exactly one page.
    const ranked = await this.#ranked(actor, target, query, prefix, offset + limit, op.filter);
    const page: SearchItem[] = ranked.slice(offset, offset + limit).map((d) => ({ ...toItem(d), score: d.score }));
    if (page.length < limit) {
      const unindexed = (await this.#all(actor, target, { ...prefix, [META.noIndex]: true })).filter((d) => matchesValueFilter(d.value, op.filter)).sort(compareInsertion);
      const from = Math.max(0, offset - ranked.length);
      page.push(...unindexed.slice(from, from + limit - page.length).map((d) => ({ ...toItem(d), score: undefined })));
    }
    return page;
  }

  /** Hybrid-search ranking, widened until `wanted` items pass the value filter or the scope is exhausted. */
  async #ranked(actor: Actor, target: Target, query: string, prefix: Record<string, MetadataValue>, wanted: number, filter: Record<string, unknown> | undefined): Promise<Decoded[]> {
    const max = this.mos.limits.maxTopK;
    let topK = Math.min(max, Math.max(1, filter ? wanted * 3 : wanted));
    for (;;) {
      const { hits } = await this.mos.search({
        userId: actor.userId, ...(target.cubeIds !== undefined ? { cubeIds: target.cubeIds } : {}), query, topK, filter: { metadata: { ...prefix, [META.noIndex]: null } },
      });
      const seen = new Set<string>();
      const ranked: Decoded[] = [];
      for (const hit of hits) {
        if (!isStoreMemory(hit.item, this.storeName)) continue;
        const decoded = reconcile(decodeItem(hit.item));
        const id = JSON.stringify([decoded.namespace, decoded.key]);
        if (seen.has(id) || !this.#inItsCube(decoded, actor) || !matchesValueFilter(decoded.value, filter)) continue;
        seen.add(id);
        ranked.push({ ...decoded, score: hit.score });
      }
      if (ranked.length >= wanted || hits.length < topK || topK >= max) return ranked;
      topK = Math.min(max, topK * 4);
    }
  }

  async #listNamespaces(actor: Actor, target: Target, op: ListNamespacesOperation): Promise<string[][]> {
    const prefix = op.matchConditions?.find((c) => c.matchType === 'prefix');
    const filter: Record<string, MetadataValue> = { [META.store]: this.storeName };
    prefix?.path.forEach((label, i) => {
      if (label !== '*') filter[levelKey(i)] = label;
    });
    const namespaces = new Map<string, string[]>();
    for (const d of await this.#all(actor, target, filter)) namespaces.set(JSON.stringify(d.namespace), d.namespace);
    return listNamespaces([...namespaces.values()], op);
  }

  /** Live items of an exact namespace and key (newest first; more than one only after a race between processes). */
  async #live(actor: Actor, target: Target, namespace: string[], key: string): Promise<Decoded[]> {
    const found = await this.#all(actor, target, { ...namespaceFilter(this.storeName, namespace, true), [META.key]: key });
    return found.sort((a, b) => (a.memory.updatedAt < b.memory.updatedAt ? 1 : a.memory.updatedAt > b.memory.updatedAt ? -1 : 0));
  }

  /** The insertion-order key of a namespace: that of its first item ever (deleted ones included), or a new one. */
  async #namespaceOrder(actor: Actor, cubeId: string, namespace: string[]): Promise<string> {
    const { items } = await this.mos.getAll({
      userId: actor.userId, cubeIds: [cubeId], limit: 1, order: 'createdAt', direction: 'asc',
      filter: { metadata: namespaceFilter(this.storeName, namespace, true), statuses: [...MEMORY_STATUSES] },
    });
    const first: MemoryItem | undefined = items[0];
    return first && isStoreMemory(first, this.storeName) ? decodeItem(first).nsOrd : nextOrder();
  }

  /** Every live store item of the target's cubes matching a metadata filter (all pages). */
  async #all(actor: Actor, target: Target, metadata: Record<string, MetadataValue>): Promise<Decoded[]> {
    const limit = this.mos.limits.maxTopK;
    const out: Decoded[] = [];
    for (let offset = 0; ; offset += limit) {
      const { items } = await this.mos.getAll({ userId: actor.userId, ...(target.cubeIds !== undefined ? { cubeIds: target.cubeIds } : {}), filter: { metadata }, limit, offset });
      for (const item of items) {
        if (!isStoreMemory(item, this.storeName)) continue;
        const decoded = reconcile(decodeItem(item));
        if (this.#inItsCube(decoded, actor)) out.push(decoded);
      }
      if (items.length < limit) return out;
    }
  }
}

/** The fixed leading labels of a `listNamespaces` prefix condition (up to the first wildcard). */
function prefixOf(op: ListNamespacesOperation): string[] {
  const path = op.matchConditions?.find((c) => c.matchType === 'prefix')?.path ?? [];
  const wildcard = path.indexOf('*');
  return wildcard === -1 ? [...path] : path.slice(0, wildcard);
}

/** Applies a text edit made through MemOS (a version the store did not write) to the indexed value field. */
function reconcile(decoded: DecodedItem): DecodedItem {
  const { memory } = decoded;
  const field = memory.metadata[META.textField];
  const synced = memory.metadata[META.syncedVersion];
  if (typeof field !== 'string' || typeof synced !== 'number' || synced === memory.version || decoded.value[field] === memory.text) return decoded;
  return { ...decoded, value: { ...decoded.value, [field]: memory.text } };
}

function toItem(decoded: DecodedItem): Item {
  return { namespace: decoded.namespace, key: decoded.key, value: decoded.value, createdAt: new Date(decoded.memory.createdAt), updatedAt: new Date(decoded.memory.updatedAt) };
}

/** Checks an operation before anything runs: nothing is read or written when one is bad. */
function validateOperation(op: Operation, i: number): void {
  const field = `store.batch[${i}]`;
  if ('namespacePrefix' in op) {
    checkNamespace(op.namespacePrefix, true, `${field}.namespacePrefix`);
  } else if ('value' in op) {
    checkNamespace(op.namespace, false, `${field}.namespace`);
    checkKey(op.key, `${field}.key`);
    if (op.value !== null && (typeof op.value !== 'object' || Array.isArray(op.value))) throw new ValidationError(`${field}.value`, 'must be an object or null');
  } else if ('key' in op && 'namespace' in op) {
    checkNamespace(op.namespace, true, `${field}.namespace`);
  }
}

function checkNamespace(namespace: unknown, allowEmpty: boolean, field: string): void {
  if (!Array.isArray(namespace)) throw new ValidationError(field, 'must be an array of labels');
  try {
    validateNamespace(namespace as string[], { allowEmpty, allowReservedRoot: true });
  } catch (error) {
    throw new ValidationError(field, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

function checkKey(key: unknown, field: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new ValidationError(field, 'must be a non-empty string');
}

