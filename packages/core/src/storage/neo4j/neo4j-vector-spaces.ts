import type { Neo4jConnection } from './neo4j-connection.ts';

/** Options of {@link dropUnusedVectorSpaces}. */
export interface DropUnusedVectorSpacesOptions {
  /** Only spaces whose embedder fingerprint starts with this. Default: every space. */
  fingerprintPrefix?: string;
  /** Only spaces created at least this long ago, in ms (a younger one may be about to be written). Default 0. */
  olderThanMs?: number;
}

/**
 * Drops the vector index and registry node of every embedder space that holds no vector any more
 * (in any namespace: spaces are shared), and returns the dropped index names. An administrative
 * clean-up (tests create many throw-away spaces): a store elsewhere that is about to write to an
 * empty space may see its index vanish, so restrict it (`fingerprintPrefix`, `olderThanMs`) or run
 * it when no writer is active.
 */
export async function dropUnusedVectorSpaces(conn: Neo4jConnection, options: DropUnusedVectorSpacesOptions = {}): Promise<string[]> {
  const before = new Date(Date.now() - (options.olderThanMs ?? 0)).toISOString();
  const spaces = await conn.query(
    'dropUnusedVectorSpaces',
    'MATCH (s:MemoryVectorSpace) WHERE s.fingerprint STARTS WITH $prefix AND s.createdAt <= $before RETURN s.name AS name, s.dimension AS dimension',
    { prefix: options.fingerprintPrefix ?? '', before },
  );
  const dropped: string[] = [];
  for (const space of spaces) {
    const name = String(space['name']);
    if (!/^[0-9a-f]{20}$/.test(name)) continue; // only names this store created (they become identifiers)
    const index = `mem_vec_${name}`;
    const dimension = Number(space['dimension']);
    const probe = Array.from({ length: dimension }, (_, i) => (i === 0 ? 1 : 0));
    const existing = await conn.query('dropUnusedVectorSpaces', 'SHOW VECTOR INDEXES YIELD name WHERE name = $index RETURN name', { index });
    if (existing.length > 0) {
      const found = await conn.query('dropUnusedVectorSpaces', 'CALL db.index.vector.queryNodes($index, 1, $probe) YIELD node RETURN count(node) AS n', {
        index,
        probe,
      });
      if (Number(found[0]?.['n'] ?? 0) > 0) continue;
      await conn.autoCommit('dropUnusedVectorSpaces', `DROP INDEX ${index} IF EXISTS`);
    }
    await conn.write('dropUnusedVectorSpaces', async (tx) => {
      await tx.run('MATCH (s:MemoryVectorSpace {name: $name}) DELETE s', { name });
    });
    dropped.push(index);
  }
  return dropped;
}
