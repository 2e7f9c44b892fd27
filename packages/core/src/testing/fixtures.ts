import type { ItemWrite } from '../spec/graph-store.ts';
import type { MemCubeConfig, UserRecord } from '../spec/mem-cube.ts';
import type { AuditRecord, MemoryEdge, MemoryItem, MemoryStatus, MetadataValue, VersionRecord } from '../spec/memory-item.ts';
import { MEMORY_STATUSES } from '../spec/memory-item.ts';
import type { VectorRecord } from '../spec/vector-store.ts';
import { tokenize } from '../text/tokenize.ts';

/** The instant fixture timestamps count from. */
export const FIXTURE_EPOCH = '2024-01-01T00:00:00.000Z';

/** `FIXTURE_EPOCH` plus `seconds`, as an ISO string. */
export function isoAt(seconds: number): string {
  return new Date(Date.parse(FIXTURE_EPOCH) + seconds * 1000).toISOString();
}

/** A seeded pseudo-random generator (mulberry32) returning floats in [0, 1): same seed, same sequence. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let uniqueCounter = 0;

/**
 * A short suffix unique to this process run (random part + counter), for ids that must not collide
 * with other tests sharing a server-backed store.
 */
export function uniqueSuffix(): string {
  uniqueCounter += 1;
  return `${Math.random().toString(36).slice(2, 8)}${uniqueCounter.toString(36)}`;
}

/** The BM25 document of an item: core `tokenize` over `key + text + tags`. */
export function itemTerms(item: Pick<MemoryItem, 'key' | 'text' | 'tags'>): string[] {
  return tokenize([item.key, item.text, ...item.tags].join(' '));
}

/** An {@link ItemWrite} for `item` (terms default to {@link itemTerms}). */
export function toItemWrite(item: MemoryItem, terms: string[] = itemTerms(item)): ItemWrite {
  return { item, terms };
}

/** Deterministic factories for spec records, all ids prefixed with `prefix`. */
export interface Fixtures {
  /** Prefix of every id this factory makes. */
  readonly prefix: string;
  /** `${prefix}-${name}`. */
  id(name: string): string;
  /** A complete active plaintext item with no optional fields set; `n`-th call: id `item-n`, createdAt epoch + n minutes. */
  item(overrides?: Partial<MemoryItem>): MemoryItem;
  /** An item with every optional field set. */
  fullItem(overrides?: Partial<MemoryItem>): MemoryItem;
  edge(overrides: Partial<MemoryEdge> & Pick<MemoryEdge, 'from' | 'to'>): MemoryEdge;
  version(item: MemoryItem, overrides?: Partial<VersionRecord>): VersionRecord;
  audit(overrides?: Partial<AuditRecord>): AuditRecord;
  user(overrides?: Partial<UserRecord>): UserRecord;
  cube(overrides?: Partial<MemCubeConfig>): MemCubeConfig;
  vectorRecord(overrides: Partial<VectorRecord> & Pick<VectorRecord, 'vector'>): VectorRecord;
}

/** Creates a {@link Fixtures} factory; every factory counts from 1, so output depends only on the calls made. */
export function createFixtures(options: { prefix?: string } = {}): Fixtures {
  const prefix = options.prefix ?? 'fx';
  const counters = { item: 0, audit: 0, user: 0, cube: 0 };
  const id = (name: string) => `${prefix}-${name}`;
  const pad = (n: number) => String(n).padStart(4, '0');
  const item = (overrides: Partial<MemoryItem> = {}): MemoryItem => {
    const n = (counters.item += 1);
    const createdAt = overrides.createdAt ?? isoAt(n * 60);
    return {
      id: id(`item-${pad(n)}`),
      cubeId: id('cube'),
      ownerId: id('owner'),
      kind: 'plaintext',
      memoryType: 'long_term',
      text: `Memory number ${n} about fixtures`,
      key: `memory ${n}`,
      tags: [],
      metadata: {},
      confidence: 1,
      status: 'active',
      version: 1,
      sources: [],
      createdAt,
      updatedAt: createdAt,
      accessCount: 0,
      importance: 0.5,
      vectorSyncState: 'none',
      ...overrides,
    };
  };
  return {
    prefix,
    id,
    item,
    fullItem(overrides = {}) {
      const base = item(overrides);
      return {
        sessionId: id('session'),
        validAt: isoAt(-3600),
        invalidAt: isoAt(86400 * 365),
        expiredAt: isoAt(86400 * 400),
        expiresAt: isoAt(86400 * 30),
        lastAccessedAt: isoAt(7200),
        embeddingModel: 'lexical-v1/1024',
        payloadRef: 'kv/cache-0001.bin',
        ...base,
        tags: ['travel', '東京', 'tag with space'],
        metadata: { source: 'chat', turn: 3, score: 0.25, pinned: true, archived: false, none: null, 'key.with"odd chars': 'x' },
        sources: [
          { role: 'user', speaker: 'Caroline', messageId: 'D1:3', chatTime: isoAt(-3600), sessionId: id('session') },
          { role: 'document', docPath: '/docs/trip.md', chunkIndex: 2 },
        ],
        confidence: 0.875,
        importance: 0.3,
        accessCount: 4,
        vectorSyncState: 'synced',
        text: 'Caroline flew to Tokyo (東京) in spring — café visits included.',
        ...overrides,
      };
    },
    edge(overrides) {
      return { type: 'RELATE_TO', cubeId: id('cube'), weight: 1, createdAt: FIXTURE_EPOCH, ...overrides };
    },
    version(versioned, overrides = {}) {
      return {
        itemId: versioned.id,
        cubeId: versioned.cubeId,
        version: versioned.version,
        action: versioned.version === 1 ? 'create' : 'update',
        actor: versioned.ownerId,
        at: versioned.updatedAt,
        snapshot: versioned,
        ...overrides,
      };
    },
    audit(overrides = {}) {
      const n = (counters.audit += 1);
      return { id: id(`audit-${pad(n)}`), at: isoAt(n), actor: id('owner'), action: 'add', ...overrides };
    },
    user(overrides = {}) {
      const n = (counters.user += 1);
      return { id: id(`user-${pad(n)}`), name: `User ${n}`, role: 'user', createdAt: isoAt(n), ...overrides };
    },
    cube(overrides = {}) {
      const n = (counters.cube += 1);
      return {
        id: id(`cube-${pad(n)}`),
        name: `Cube ${n}`,
        ownerId: id('owner'),
        embedder: { fingerprint: 'lexical-v1/8', dimension: 8 },
        schemaVersion: 1,
        acl: [],
        createdAt: isoAt(n),
        updatedAt: isoAt(n),
        ...overrides,
      };
    },
    vectorRecord(overrides) {
      const n = (counters.item += 1);
      return { id: id(`vec-${pad(n)}`), cubeId: id('cube'), ownerId: id('owner'), memoryType: 'long_term', createdAt: isoAt(n), ...overrides };
    },
  };
}

const defaultFixtures = createFixtures();

/** A complete item from the shared default factory (see {@link Fixtures.item}). */
export function makeItem(overrides: Partial<MemoryItem> = {}): MemoryItem {
  return defaultFixtures.item(overrides);
}

/** An edge from the shared default factory (type RELATE_TO, weight 1). */
export function makeEdge(overrides: Partial<MemoryEdge> & Pick<MemoryEdge, 'from' | 'to'>): MemoryEdge {
  return defaultFixtures.edge(overrides);
}

/** A version record whose snapshot is `item`. */
export function makeVersion(item: MemoryItem, overrides: Partial<VersionRecord> = {}): VersionRecord {
  return defaultFixtures.version(item, overrides);
}

/** An audit record from the shared default factory. */
export function makeAudit(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return defaultFixtures.audit(overrides);
}

/** A user record from the shared default factory. */
export function makeUser(overrides: Partial<UserRecord> = {}): UserRecord {
  return defaultFixtures.user(overrides);
}

/** A cube config from the shared default factory. */
export function makeCube(overrides: Partial<MemCubeConfig> = {}): MemCubeConfig {
  return defaultFixtures.cube(overrides);
}

/** Options of {@link makeVariedItems}. */
export interface VariedItemsOptions {
  /** How many items. */
  count: number;
  /** Cubes to spread them over. */
  cubeIds: string[];
  /** Id prefix (make it unique per test on shared stores). */
  prefix: string;
  /** PRNG seed. Default 7. */
  seed?: number;
}

/** Tags used by {@link makeVariedItems}. */
export const VARIED_TAGS = ['alpha', 'beta', 'gamma', 'delta', '東京'] as const;
/** Memory types used by {@link makeVariedItems}. */
export const VARIED_MEMORY_TYPES = ['long_term', 'working', 'user', 'event'] as const;

/**
 * Deterministic items varying every filterable field (cube, owner, session, type, status, tags,
 * metadata of every scalar type or missing, created/updated/valid/invalid/expired times with
 * deliberate ties, TTL and pinned flags), for property-style filter and ordering checks.
 */
export function makeVariedItems(options: VariedItemsOptions): MemoryItem[] {
  const random = createRandom(options.seed ?? 7);
  // TTL fields draw from their own sequence, so adding them left every other field as it was.
  const ttlRandom = createRandom((options.seed ?? 7) + 1_000);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const maybe = <T>(probability: number, value: () => T): T | undefined => (random() < probability ? value() : undefined);
  const items: MemoryItem[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const created = Math.floor(random() * 20) * 3600; // 20 distinct instants: ties on purpose
    const metadata: Record<string, MetadataValue> = {};
    const topic = maybe(0.7, () => pick(['work', 'home', 'Work', '1']));
    if (topic !== undefined) metadata['topic'] = topic;
    const rank = maybe(0.6, () => pick([1, 2, 2.5, 0]));
    if (rank !== undefined) metadata['rank'] = rank;
    const flag = maybe(0.6, () => pick([true, false]));
    if (flag !== undefined) metadata['flag'] = flag;
    if (random() < 0.3) metadata['note'] = pick([null, 'x']);
    const item: MemoryItem = {
      id: `${options.prefix}-v${String(i).padStart(3, '0')}`,
      cubeId: pick(options.cubeIds),
      ownerId: pick(['owner-a', 'owner-b', 'owner-c']),
      kind: 'plaintext',
      memoryType: pick(VARIED_MEMORY_TYPES),
      text: `varied item ${i}`,
      key: `varied ${i}`,
      tags: VARIED_TAGS.filter(() => random() < 0.35),
      metadata,
      confidence: Math.round(random() * 100) / 100,
      status: random() < 0.5 ? 'active' : (pick(MEMORY_STATUSES) as MemoryStatus),
      version: 1 + Math.floor(random() * 3),
      sources: [],
      createdAt: isoAt(created),
      updatedAt: isoAt(created + Math.floor(random() * 10) * 1800),
      accessCount: 0,
      importance: 0.5,
      vectorSyncState: 'none',
    };
    const session = maybe(0.6, () => pick(['s1', 's2']));
    if (session !== undefined) item.sessionId = session;
    const validAt = maybe(0.7, () => isoAt(Math.floor(random() * 20) * 3600 - 36000));
    if (validAt !== undefined) item.validAt = validAt;
    const invalidAt = maybe(0.3, () => isoAt(Math.floor(random() * 20) * 3600 + 3600));
    if (invalidAt !== undefined) item.invalidAt = invalidAt;
    const expiredAt = maybe(0.25, () => isoAt(created + Math.floor(1 + random() * 10) * 3600));
    if (expiredAt !== undefined) item.expiredAt = expiredAt;
    if (ttlRandom() < 0.4) item.expiresAt = isoAt(Math.floor(ttlRandom() * 20) * 3600);
    const pinned = ttlRandom();
    if (pinned < 0.3) item.pinned = pinned < 0.2;
    items.push(item);
  }
  return items;
}
