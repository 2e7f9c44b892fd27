import type { ManagedTransaction } from 'neo4j-driver';
import { NotFoundError } from '../../errors/not-found-error.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { uid } from './neo4j-item-props.ts';

/*
 * Writes into a cube and `deleteCube` exclude each other through the `:Cube` node's lock: a write
 * with `requireCubes` write-locks the cube nodes first (held until it commits) and then checks that
 * they exist and are not marked `deleting`; `deleteCube` first sets `deleting` (which waits for
 * those writes to commit), then removes the cube's data, which includes what they wrote.
 */

/** Inside a write transaction: locks the cubes and throws `NotFoundError('cube', id)` for a missing or deleting one. */
export async function lockCubesForWrite(tx: ManagedTransaction, ns: string, cubeIds: readonly string[] | undefined): Promise<void> {
  if (cubeIds === undefined || cubeIds.length === 0) return;
  const ids = [...new Set(cubeIds)].sort();
  const uids = ids.map((id) => uid(ns, id));
  // Lock first (a SET takes the node's write lock), then read the state under the lock.
  await tx.run('UNWIND $uids AS u MATCH (c:Cube {uid: u}) SET c.lockedAt = timestamp()', { uids });
  const result = await tx.run('UNWIND $uids AS u OPTIONAL MATCH (c:Cube {uid: u}) RETURN u, c IS NOT NULL AND c.deleting IS NULL AS ok', { uids });
  const ok = new Map(result.records.map((record) => [String(record.get('u')), record.get('ok') === true]));
  ids.forEach((id, i) => {
    if (ok.get(uids[i] as string) !== true) throw new NotFoundError('cube', id);
  });
}

/** Marks the cube `deleting` (hidden from `getCube`/`listCubes`, closed to writes) in its own transaction. */
export async function markCubeDeleting(conn: Neo4jConnection, cubeId: string): Promise<void> {
  await conn.write('deleteCube', async (tx) => {
    await tx.run('MATCH (c:Cube {uid: $uid}) SET c.deleting = true', { uid: uid(conn.namespace, cubeId) });
  });
}
