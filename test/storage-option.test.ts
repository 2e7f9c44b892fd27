/** `createMemOS({ storage: { kind: 'neo4j', ... } })` wires the Neo4j graph with Chroma or Neo4j vectors. */
import { describe, expect, it } from 'vitest';
import { createMemOS } from '@memos-js/core';
import { createChromaVectorStore } from '@memos-js/core/chroma';
import { createNeo4jStorage } from '@memos-js/core/neo4j';
import { serverUrls, uniqueTag } from './server-fixtures.ts';

describe("storage: { kind: 'neo4j' }", () => {
  for (const withChroma of [true, false]) {
    it(withChroma ? 'Neo4j graph + Chroma vectors' : 'Neo4j for graph and vectors', async () => {
      const { neo4jUrl, chromaUrl } = serverUrls();
      const tag = uniqueTag('opt');
      const mos = createMemOS({ storage: { kind: 'neo4j', neo4j: { url: neo4jUrl, namespace: tag }, ...(withChroma ? { chroma: { url: chromaUrl, collectionPrefix: tag } } : {}) } });
      try {
        await mos.setup();
        expect(mos.graph.backend).toBe('neo4j');
        expect(mos.vector.backend).toBe(withChroma ? 'chroma' : 'neo4j');
        await mos.createUser({ id: 'u', name: 'U' });
        await mos.createCube({ userId: 'u', id: 'c', name: 'C' });
        const { items } = await mos.add({ userId: 'u', cubeId: 'c', messages: [{ role: 'user', content: 'My beagle Biscuit loves the beach' }, { role: 'user', content: 'I work at the hospital' }] });
        expect(items.map((i) => i.vectorSyncState)).toEqual(['synced', 'synced']);
        const { hits } = await mos.search({ userId: 'u', query: 'beagle on the beach', weights: { vector: 1, keyword: 0, graph: 0 } });
        expect(hits[0]?.item.id).toBe(items[0]!.id);
      } finally {
        await mos.close();
        const cleanup = createNeo4jStorage({ url: neo4jUrl, namespace: tag });
        await cleanup.dropNamespace();
        await cleanup.close();
        if (withChroma) {
          const chroma = createChromaVectorStore({ url: chromaUrl, collectionPrefix: tag });
          await chroma.setup();
          await chroma.dropCollections();
          await chroma.close();
        }
      }
    }, 60_000);
  }
});
