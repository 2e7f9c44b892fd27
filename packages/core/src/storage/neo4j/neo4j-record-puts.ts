import type { Neo4jConnection } from './neo4j-connection.ts';
import { uid } from './neo4j-item-props.ts';
import { duplicateRecord, staleCube } from '../validation/record-put-conditions.ts';

/*
 * Conditional puts of `:User` / `:Cube` records (the unconditional one is `putRecord`), each one
 * write transaction:
 * - create-only: a MERGE on the uniquely constrained `uid` (concurrent MERGEs of one uid are
 *   serialised by the constraint's lock: one creates, the others match) that reports whether it
 *   created the node; a match, including a cube still being deleted, rolls back with ConflictError.
 * - compare-and-set of a cube: the node's write lock is taken first (a SET), then the stored record
 *   is read under the lock, compared and replaced; a missing or `deleting` cube is a conflict, so a
 *   stale writer never resurrects a deleted cube.
 */

/** Creates the record only when no node of `label` has this id; otherwise `ConflictError` (duplicate). */
export async function createRecord(conn: Neo4jConnection, label: 'User' | 'Cube', id: string, record: unknown): Promise<void> {
  await conn.write(`put${label}`, async (tx) => {
    const result = await tx.run(
      `MERGE (x:${label} {uid: $uid}) ON CREATE SET x.ns = $ns, x.id = $id, x.record = $record, x.creating = true ` +
        'WITH x, x.creating IS NOT NULL AS created REMOVE x.creating RETURN created',
      { uid: uid(conn.namespace, id), ns: conn.namespace, id, record: JSON.stringify(record) },
    );
    if (result.records[0]?.get('created') !== true) throw duplicateRecord(label === 'Cube' ? 'cube' : 'user', id);
  });
}

/** Replaces a cube record only while the stored one has `updatedAt` (and is not being deleted); otherwise `ConflictError` (version-mismatch). */
export async function compareAndSetCube(conn: Neo4jConnection, id: string, updatedAt: string, record: { updatedAt: string }): Promise<void> {
  const params = { uid: uid(conn.namespace, id) };
  await conn.write('putCube', async (tx) => {
    // Lock first (a SET takes the node's write lock, as writes into the cube do), then read under it.
    await tx.run('MATCH (c:Cube {uid: $uid}) SET c.lockedAt = timestamp()', params);
    const row = (await tx.run('MATCH (c:Cube {uid: $uid}) WHERE c.deleting IS NULL RETURN c.record AS record', params)).records[0];
    const stored = row?.get('record');
    const actual = typeof stored === 'string' ? (JSON.parse(stored) as { updatedAt?: string }).updatedAt : undefined;
    if (actual !== updatedAt) throw staleCube(id, updatedAt, actual);
    await tx.run('MATCH (c:Cube {uid: $uid}) SET c.record = $record', { ...params, record: JSON.stringify(record) });
  });
}
