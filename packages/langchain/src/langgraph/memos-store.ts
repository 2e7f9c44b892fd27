import {
  BaseStore, validateNamespace, type GetOperation, type Item, type ListNamespacesOperation, type Operation, type OperationResults, type PutOperation,
  type SearchItem, type SearchOperation,
} from '@langchain/langgraph-checkpoint';
import { MEMORY_STATUSES, ValidationError, type MemOS, type MetadataValue } from '@memos-js/core';
import { compareInsertion, decodeItem, defaultTextField, encodeItem, foreignMetadata, isStoreMemory, levelKey, META, namespaceFilter, nextOrder, type DecodedItem } from './store-codec.ts';
import { listNamespaces, matchesValueFilter } from './store-filter.ts';

/** Options of {@link MemOSStore}. */
export interface MemOSStoreOptions {
  /** The MemOS runtime (set up). */
  mos: MemOS;
  /** MemOS user the store acts as (needs write access to `cubeId`). */
  userId: string;
  /** Cube that holds the store's items; every namespace lives in it (see `storeName`). */
  cubeId: string;
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

/**
 * A LangGraph `BaseStore` whose items are MemOS memories: each item is one memory in `cubeId`
 * (its indexed text is the memory text; namespace, key and JSON value live in the memory's
 * metadata), so store items are versioned, auditable and found by the MemOS retriever and tools.
 *
 * - `get`/`put`/`delete`/`search`/`listNamespaces` behave like LangGraph's `InMemoryStore` (same
 *   filters, insertion order for searches without `query`, sorted namespaces, reads in a batch see
 *   the state before its writes, the last write per key wins).
 * - `put` to an existing key updates the memory (a new MemOS version, `createdAt` kept);
 *   `value: null` soft-deletes it (restorable with `mos.rollback`).
 * - `search` with `query` ranks by MemOS hybrid search (vectors + BM25, fused); `score` is the fused
 *   score. Items put with `index: false` are not ranked and come last, without a score. A query
 *   longer than the MOS `maxQueryChars` is cut to it; a blank query means no query.
 * - Edits made to a store memory through MemOS (e.g. `mos.update` of its text) show up in the value
 *   field that was indexed (`text` or `content`).
 * - `listNamespaces` lists namespaces that hold at least one live item (`InMemoryStore` keeps listing
 *   a namespace whose items were all deleted).
 */
export class MemOSStore extends BaseStore {
  readonly mos: MemOS;
  readonly userId: string;
  readonly cubeId: string;
  readonly storeName: string;
  readonly #options: MemOSStoreOptions;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(options: MemOSStoreOptions) {
    super();
    this.mos = options.mos;
    this.userId = options.userId;
    this.cubeId = options.cubeId;
    this.storeName = options.storeName ?? 'default';
    this.#options = options;
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    operations.forEach((op, i) => validateOperation(op, i));
    const results: unknown[] = operations.map(() => undefined);
    const puts = new Map<string, PutOperation>();
    const reads: Promise<void>[] = [];
    operations.forEach((op, i) => {
      if ('namespacePrefix' in op) reads.push(this.#search(op).then((r) => void (results[i] = r)));
      else if ('value' in op) puts.set(JSON.stringify([op.namespace, op.key]), op);
      else if ('key' in op && 'namespace' in op) reads.push(this.#get(op).then((r) => void (results[i] = r)));
      else reads.push(this.#listNamespaces(op as ListNamespacesOperation).then((r) => void (results[i] = r)));
    });
    await Promise.all(reads);
    if (puts.size > 0) {
      const run = this.#writes.catch(() => undefined).then(async () => {
        for (const op of puts.values()) await this.#put(op);
      });
      this.#writes = run;
      await run;
    }
    return results as OperationResults<Op>;
  }

  async #get(op: GetOperation): Promise<Item | null> {
    const [found] = await this.#live(op.namespace, op.key);
    return found ? toItem(found) : null;
  }

  async #put(op: PutOperation): Promise<void> {
    const { mos, userId } = this;
    const [current, ...duplicates] = await this.#live(op.namespace, op.key);
    for (const extra of duplicates) await mos.delete({ userId, id: extra.memory.id, reason: 'duplicate LangGraph store item' });
    if (op.value === null) {
      if (current) await mos.delete({ userId, id: current.memory.id, reason: 'LangGraph store delete' });
      return;
    }
    const nsOrd = current?.nsOrd ?? (await this.#namespaceOrder(op.namespace));
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
      userId, cubeId: this.cubeId, text: encoded.text, metadata: encoded.metadata, tags: this.#options.tags ?? ['langgraph'],
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

  async #search(op: SearchOperation): Promise<SearchItem[]> {
    const offset = op.offset ?? 0;
    const limit = op.limit ?? 10;
    const prefix = namespaceFilter(this.storeName, op.namespacePrefix, false);
    const query = op.query?.trim().slice(0, this.mos.limits.maxQueryChars) ?? '';
    if (query.length === 0) {
      const all = (await this.#all(prefix)).filter((d) => matchesValueFilter(d.value, op.filter)).sort(compareInsertion);
      return all.slice(offset, offset + limit).map((d) => ({ ...toItem(d), score: undefined }));
    }
    const ranked = await this.#ranked(query, prefix, offset + limit, op.filter);
    const kept: SearchItem[] = ranked.slice(offset, offset + limit).map((d) => ({ ...toItem(d), score: d.score }));
    if (kept.length < limit) {
      const unindexed = (await this.#all({ ...prefix, [META.noIndex]: true })).filter((d) => matchesValueFilter(d.value, op.filter)).sort(compareInsertion);
      kept.push(...unindexed.slice(0, limit - kept.length).map((d) => ({ ...toItem(d), score: undefined })));
    }
    return kept;
  }

  /** Hybrid-search ranking, widened until `wanted` items pass the value filter or the scope is exhausted. */
  async #ranked(query: string, prefix: Record<string, MetadataValue>, wanted: number, filter: Record<string, unknown> | undefined): Promise<Decoded[]> {
    const max = this.mos.limits.maxTopK;
    let topK = Math.min(max, Math.max(1, filter ? wanted * 3 : wanted));
    for (;;) {
      const { hits } = await this.mos.search({ userId: this.userId, cubeIds: [this.cubeId], query, topK, filter: { metadata: { ...prefix, [META.noIndex]: null } } });
      const seen = new Set<string>();
      const ranked: Decoded[] = [];
      for (const hit of hits) {
        if (!isStoreMemory(hit.item, this.storeName)) continue;
        const decoded = reconcile(decodeItem(hit.item));
        const id = JSON.stringify([decoded.namespace, decoded.key]);
        if (seen.has(id) || !matchesValueFilter(decoded.value, filter)) continue;
        seen.add(id);
        ranked.push({ ...decoded, score: hit.score });
      }
      if (ranked.length >= wanted || hits.length < topK || topK >= max) return ranked;
      topK = Math.min(max, topK * 4);
    }
  }

  async #listNamespaces(op: ListNamespacesOperation): Promise<string[][]> {
    const prefix = op.matchConditions?.find((c) => c.matchType === 'prefix');
    const filter: Record<string, MetadataValue> = { [META.store]: this.storeName };
    prefix?.path.forEach((label, i) => {
      if (label !== '*') filter[levelKey(i)] = label;
    });
    const namespaces = new Map<string, string[]>();
    for (const d of await this.#all(filter)) namespaces.set(JSON.stringify(d.namespace), d.namespace);
    return listNamespaces([...namespaces.values()], op);
  }

  /** Live items of an exact namespace and key (newest first; more than one only after a race between processes). */
  async #live(namespace: string[], key: string): Promise<Decoded[]> {
    const found = await this.#all({ ...namespaceFilter(this.storeName, namespace, true), [META.key]: key });
    return found.sort((a, b) => (a.memory.updatedAt < b.memory.updatedAt ? 1 : a.memory.updatedAt > b.memory.updatedAt ? -1 : 0));
  }

  /** The insertion-order key of a namespace: that of its first item ever (deleted ones included), or a new one. */
  async #namespaceOrder(namespace: string[]): Promise<string> {
    const { items } = await this.mos.getAll({
      userId: this.userId, cubeIds: [this.cubeId], limit: 1, order: 'createdAt', direction: 'asc',
      filter: { metadata: namespaceFilter(this.storeName, namespace, true), statuses: [...MEMORY_STATUSES] },
    });
    const first = items[0];
    return first && isStoreMemory(first, this.storeName) ? decodeItem(first).nsOrd : nextOrder();
  }

  /** Every live store item matching a metadata filter (all pages). */
  async #all(metadata: Record<string, MetadataValue>): Promise<Decoded[]> {
    const limit = this.mos.limits.maxTopK;
    const out: Decoded[] = [];
    for (let offset = 0; ; offset += limit) {
      const { items } = await this.mos.getAll({ userId: this.userId, cubeIds: [this.cubeId], filter: { metadata }, limit, offset });
      for (const item of items) if (isStoreMemory(item, this.storeName)) out.push(reconcile(decodeItem(item)));
      if (items.length < limit) return out;
    }
  }
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

