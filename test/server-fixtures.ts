import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { inject } from 'vitest';
import { createMemOS, type MemOS, type MemOSOptions } from '@memos-js/core';
import { createChromaVectorStore } from '@memos-js/core/chroma';
import { createNeo4jStorage } from '@memos-js/core/neo4j';
import type { ServicesState } from './global-setup.ts';

/** The part of scripts/services-lib.mjs the fault tests use (plain JS, typed by hand). */
export interface ServicesControl {
  startServices(opts: { which: ('neo4j' | 'chroma')[]; runId: string; watchPid: number }): Promise<ServicesState>;
  stopServices(state: ServicesState, opts?: { removeData?: boolean }): Promise<void>;
  killService(name: 'neo4j' | 'chroma', state: ServicesState, opts?: { signal?: string }): Promise<void>;
  restartService(name: 'neo4j' | 'chroma', state: ServicesState, opts?: { timeoutMs?: number }): Promise<unknown>;
}

/** Loads the services library (kill/restart for fault tests). */
export async function servicesControl(): Promise<ServicesControl> {
  return (await import(pathToFileURL(resolve(import.meta.dirname, '..', 'scripts', 'services-lib.mjs')).href)) as ServicesControl;
}

/** URLs of the real servers (from MEMOS_*_URL or the globalSetup); fails loudly when absent. */
export function serverUrls(): { neo4jUrl: string; chromaUrl: string } {
  const neo4jUrl = inject('neo4jUrl');
  const chromaUrl = inject('chromaUrl');
  if (!neo4jUrl || !chromaUrl) throw new Error('these tests need real Neo4j and Chroma servers: run `npm test` (it starts them) or set MEMOS_NEO4J_URL and MEMOS_CHROMA_URL');
  return { neo4jUrl, chromaUrl };
}

/** A unique, valid namespace / collection prefix for one test. */
export function uniqueTag(name: string): string {
  return `${name}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export type ServerBackend = 'neo4j-chroma' | 'neo4j';

/**
 * A MemOS on real servers in an isolated namespace: Neo4j graph + Chroma vectors, or Neo4j for
 * both. `drop()` removes everything it created and closes it.
 */
export async function serverMemOS(backend: ServerBackend, options: Omit<MemOSOptions, 'storage'> = {}, urls: { neo4jUrl: string; chromaUrl: string } = serverUrls()): Promise<{ mos: MemOS; drop: () => Promise<void> }> {
  const { neo4jUrl, chromaUrl } = urls;
  const tag = uniqueTag(backend === 'neo4j' ? 'n' : 'nc');
  const neo4j = createNeo4jStorage({ url: neo4jUrl, namespace: tag, vectorIndex: backend === 'neo4j' });
  const chroma = backend === 'neo4j-chroma' ? createChromaVectorStore({ url: chromaUrl, collectionPrefix: tag }) : undefined;
  const vector = chroma ?? neo4j.vector;
  if (!vector) throw new Error('no vector store');
  const mos = createMemOS({ ...options, storage: { kind: 'custom', graph: neo4j.graph, vector } });
  await mos.setup();
  return {
    mos,
    drop: async () => {
      await mos.close().catch(() => undefined);
      const cleanup = createNeo4jStorage({ url: neo4jUrl, namespace: tag });
      await cleanup.dropNamespace();
      await cleanup.close();
      if (chroma) {
        const again = createChromaVectorStore({ url: chromaUrl, collectionPrefix: tag });
        await again.setup();
        await again.dropCollections();
        await again.close();
      }
    },
  };
}
