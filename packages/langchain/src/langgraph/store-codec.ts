import { getTextAtPath } from '@langchain/langgraph-checkpoint';
import { ValidationError, type MemoryItem, type MetadataValue } from '@memos-js/core';
import { getChunked, putChunked } from '../format/chunked-metadata.ts';

/**
 * How a LangGraph store item is kept as a MemOS memory: the item's searchable text is the memory
 * text; everything else lives in the memory's scalar metadata under `lg:` keys:
 *
 * | key | value |
 * |---|---|
 * | `lg:store` | the store name (several stores can share a cube) |
 * | `lg:ns` | the namespace as a JSON array (exact-namespace lookups) |
 * | `lg:ns:0` … `lg:ns:N` | one label per level (prefix searches are metadata equality filters) |
 * | `lg:depth` | namespace length |
 * | `lg:key` | the item key |
 * | `lg:value` (or `lg:value:0..k` + `lg:value:chunks`) | the JSON value (split in chunks of 4,000 characters) |
 * | `lg:ord`, `lg:nsOrd` | insertion order of the item and of its namespace (see {@link nextOrder}) |
 * | `lg:noindex` | `true` when the item is excluded from semantic search (`index: false`) |
 * | `lg:textField`, `lg:syncedVersion` | the value field the text came from, and the version the store wrote last |
 */
export const META = {
  store: 'lg:store',
  ns: 'lg:ns',
  depth: 'lg:depth',
  key: 'lg:key',
  value: 'lg:value',
  ord: 'lg:ord',
  nsOrd: 'lg:nsOrd',
  noIndex: 'lg:noindex',
  textField: 'lg:textField',
  syncedVersion: 'lg:syncedVersion',
} as const;

/** Metadata key of namespace level `i`. */
export function levelKey(i: number): string {
  return `lg:ns:${i}`;
}

let lastTime = '';
let counter = 0;

/**
 * A sortable insertion-order key: ISO time (never going backwards in this process) + a process-wide
 * counter, so items put in the same millisecond keep their put order.
 */
export function nextOrder(): string {
  const now = new Date().toISOString();
  if (now > lastTime) lastTime = now;
  counter += 1;
  return `${lastTime}#${String(counter).padStart(12, '0')}`;
}

/** The metadata describing a namespace (for exact lookups) or a prefix (for searches). */
export function namespaceFilter(storeName: string, namespace: readonly string[], exact: boolean): Record<string, MetadataValue> {
  const filter: Record<string, MetadataValue> = { [META.store]: storeName };
  if (exact) {
    filter[META.ns] = JSON.stringify(namespace);
    return filter;
  }
  namespace.forEach((label, i) => {
    filter[levelKey(i)] = label;
  });
  return filter;
}

/** Options of {@link encodeItem}. */
export interface EncodeItemOptions {
  storeName: string;
  namespace: readonly string[];
  key: string;
  value: Record<string, unknown>;
  /** `false`: not semantically indexed; string[]: fields to index; undefined: the store default. */
  index: false | string[] | undefined;
  /** Store-wide fields (undefined: `text`, `content` or the whole value). */
  defaultFields: string[] | undefined;
  ord: string;
  nsOrd: string;
  /** The MOS limits that bound the encoding. */
  maxTextChars: number;
  maxMetadataKeys: number;
}

/** The field the default indexing takes the text from: `text`, else `content`, when a non-blank string. */
export function defaultTextField(value: Record<string, unknown>): 'text' | 'content' | undefined {
  for (const field of ['text', 'content'] as const) {
    const text = value[field];
    if (typeof text === 'string' && text.trim().length > 0) return field;
  }
  return undefined;
}

/** The text MemOS indexes for a value, or undefined when nothing is indexable. */
export function indexText(value: Record<string, unknown>, fields: string[] | undefined): string | undefined {
  if (fields === undefined) {
    const field = defaultTextField(value);
    return field === undefined ? JSON.stringify(value) : String(value[field]);
  }
  const texts = fields.flatMap((field) => (field === '$' ? [JSON.stringify(value)] : getTextAtPath(value, field)));
  const joined = texts.filter((t) => t.trim().length > 0).join('\n');
  return joined.length > 0 ? joined : undefined;
}

/** Encodes a store item as a memory's text and metadata. */
export function encodeItem(options: EncodeItemOptions): { text: string; metadata: Record<string, MetadataValue> } {
  const { namespace, value } = options;
  const json = JSON.stringify(value);
  const indexed = options.index === false ? undefined : indexText(value, options.index ?? options.defaultFields);
  const text = (indexed ?? json).trim().slice(0, options.maxTextChars);
  const metadata: Record<string, MetadataValue> = {
    ...namespaceFilter(options.storeName, namespace, true),
    [META.depth]: namespace.length,
    [META.key]: options.key,
    [META.ord]: options.ord,
    [META.nsOrd]: options.nsOrd,
  };
  namespace.forEach((label, i) => {
    metadata[levelKey(i)] = label;
  });
  if (indexed === undefined) metadata[META.noIndex] = true;
  putChunked(metadata, META.value, json, { maxKeys: options.maxMetadataKeys - 2, field: 'store.put.value' });
  return { text, metadata };
}

/** The item's own (non-store) metadata: what the reader or a user put there, without `lg:` keys. */
export function foreignMetadata(metadata: Record<string, MetadataValue>): Record<string, MetadataValue> {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !key.startsWith('lg:')));
}

/** A decoded store item (before conversion to LangGraph's `Item`). */
export interface DecodedItem {
  namespace: string[];
  key: string;
  value: Record<string, unknown>;
  ord: string;
  nsOrd: string;
  memory: MemoryItem;
}

/** True when a memory was written by a store of this name. */
export function isStoreMemory(item: MemoryItem, storeName: string): boolean {
  return item.metadata[META.store] === storeName && typeof item.metadata[META.ns] === 'string' && typeof item.metadata[META.key] === 'string';
}

/** Decodes a memory written by {@link encodeItem}. */
export function decodeItem(item: MemoryItem): DecodedItem {
  const meta = item.metadata;
  const json = getChunked(meta, META.value);
  if (json === undefined) throw new ValidationError(`memory(${item.id}).metadata`, 'is not a LangGraph store item (no value)');
  return {
    namespace: JSON.parse(String(meta[META.ns])) as string[],
    key: String(meta[META.key]),
    value: JSON.parse(json) as Record<string, unknown>,
    ord: String(meta[META.ord] ?? item.createdAt),
    nsOrd: String(meta[META.nsOrd] ?? item.createdAt),
    memory: item,
  };
}

/** Insertion order: namespaces in the order they were first written, then items in put order. */
export function compareInsertion(a: DecodedItem, b: DecodedItem): number {
  if (a.nsOrd !== b.nsOrd) return a.nsOrd < b.nsOrd ? -1 : 1;
  if (a.ord !== b.ord) return a.ord < b.ord ? -1 : 1;
  return a.memory.id < b.memory.id ? -1 : a.memory.id > b.memory.id ? 1 : 0;
}
