/**
 * Storage for the reliability suite (tests and `bench/reliability.ts`): a fresh SQLite database
 * (in memory or a temporary file) or a fresh Neo4j namespace + Chroma collection prefix on real
 * servers. Any number of MemOS runtimes can be opened on one store (that is how the concurrency
 * cases get two runtimes on one database); `drop()` closes them and removes every trace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemOS, type MemOS, type MemOSOptions, type StorageOption } from '@memos-js/core';
import { createChromaVectorStore } from '@memos-js/core/chroma';
import { createNeo4jStorage } from '@memos-js/core/neo4j';

/** Backends the reliability suite runs on. */
export const RELIABILITY_BACKENDS = ['sqlite', 'neo4j-chroma'] as const;
export type ReliabilityBackend = (typeof RELIABILITY_BACKENDS)[number];

/** URLs of the real servers (needed for `neo4j-chroma`). */
export interface ServerUrls {
  neo4jUrl?: string;
  chromaUrl?: string;
}

/** One isolated store. */
export interface ReliabilityStore {
  backend: ReliabilityBackend;
  /** The storage option (plain JSON: child processes open the same store with it). */
  storage: StorageOption;
  /** The SQLite file (file stores only). */
  sqlitePath?: string;
  /** A scratch directory removed by `drop()` (dumps, child-process output). */
  scratch: string;
  /** Opens (and sets up) one more MemOS runtime on this store. */
  open(options?: Omit<MemOSOptions, 'storage'>): Promise<MemOS>;
  /** Closes every runtime opened here and removes the data. */
  drop(): Promise<void>;
}

/** Options of {@link openReliabilityStore}. */
export interface OpenReliabilityStoreOptions {
  backend: ReliabilityBackend;
  /** Server URLs (for `neo4j-chroma`). */
  urls?: ServerUrls;
  /** SQLite: `file` (a temporary file, shareable between runtimes and processes) or `memory` (default). */
  sqlite?: 'file' | 'memory';
  /** A label that goes into the namespace (default `rel`). */
  label?: string;
}

/** A unique tag valid as a Neo4j namespace and a Chroma collection prefix. */
export function uniqueStoreTag(label: string): string {
  return `${label}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** Opens a fresh, isolated store on the backend. */
export function openReliabilityStore(options: OpenReliabilityStoreOptions): ReliabilityStore {
  const scratch = mkdtempSync(join(tmpdir(), 'memos-reliability-'));
  const opened: MemOS[] = [];
  const tag = uniqueStoreTag(options.label ?? 'rel');
  let storage: StorageOption;
  let sqlitePath: string | undefined;
  let dropData: () => Promise<void> = async () => {};
  if (options.backend === 'sqlite') {
    sqlitePath = options.sqlite === 'file' ? join(scratch, 'memos.db') : undefined;
    storage = { kind: 'sqlite', path: sqlitePath ?? ':memory:' };
  } else {
    const neo4jUrl = options.urls?.neo4jUrl;
    const chromaUrl = options.urls?.chromaUrl;
    if (!neo4jUrl || !chromaUrl) throw new Error('neo4j-chroma needs real Neo4j and Chroma servers (run through vitest, or set MEMOS_NEO4J_URL and MEMOS_CHROMA_URL)');
    storage = { kind: 'neo4j', neo4j: { url: neo4jUrl, namespace: tag }, chroma: { url: chromaUrl, collectionPrefix: tag } };
    dropData = async () => {
      const graph = createNeo4jStorage({ url: neo4jUrl, namespace: tag });
      await graph.dropNamespace();
      await graph.close();
      const chroma = createChromaVectorStore({ url: chromaUrl, collectionPrefix: tag });
      await chroma.setup();
      await chroma.dropCollections();
      await chroma.close();
    };
  }
  return {
    backend: options.backend,
    storage,
    ...(sqlitePath !== undefined ? { sqlitePath } : {}),
    scratch,
    async open(extra = {}) {
      if (storage.kind === 'sqlite' && storage.path === ':memory:' && opened.length > 0) throw new Error('an in-memory SQLite store has one runtime; use sqlite: "file"');
      const mos = createMemOS({ ...extra, storage });
      opened.push(mos);
      await mos.setup();
      return mos;
    },
    async drop() {
      for (const mos of opened.splice(0)) await mos.close().catch(() => undefined);
      try {
        await dropData();
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  };
}
