import type { ManagedTransaction } from 'neo4j-driver';
import type { ForgetItemsResult, PurgeUserResult } from '../../spec/graph-store.ts';
import type { MemCubeConfig } from '../../spec/mem-cube.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { scopeUid, termUid, uid, type IntFn } from './neo4j-item-props.ts';
import { termCounts } from './neo4j-keyword-text.ts';
import { DROP_STUBS, UPDATE_SCOPES, UPDATE_TERMS } from './neo4j-write.ts';

/*
 * Hard deletion (governance: forget) on Neo4j. Removing a `:Memory` node removes its full-text
 * index entry; its contribution to the keyword counters (`:KeywordScope`, `:Term`) is subtracted in
 * the same transaction. Audit nodes are never touched. (Neo4j's store files keep freed records until
 * the server reuses them: the data is gone from every query, not necessarily from disk.)
 */

const FIND_ITEMS =
  'UNWIND $uids AS u MATCH (m:MemoryNode {uid: u}) WHERE m:Memory AND m.cubeId = $cubeId ' +
  'RETURN m.id AS id, m.status AS status, m.docLength AS docLength, m.kwText AS kwText';
const DELETE_EDGES =
  'UNWIND $uids AS u MATCH (n:MemoryNode {uid: u})-[r]-(o) WHERE type(r) <> "HAS_VERSION" AND r.cubeId = $cubeId ' +
  'WITH collect(DISTINCT r) AS rs, collect(DISTINCT o.uid) AS ends FOREACH (x IN rs | DELETE x) RETURN size(rs) AS deleted, ends';
const DELETE_VERSIONS = 'MATCH (x:Version) WHERE x.itemUid IN $uids AND x.cubeId = $cubeId DETACH DELETE x RETURN count(x) AS deleted';
const DELETE_ITEMS = 'UNWIND $uids AS u MATCH (m:MemoryNode {uid: u}) WHERE m:Memory AND m.cubeId = $cubeId AND NOT (m)--() DELETE m';
/** An item another cube's edge still points at becomes a stub (as deleteCube does). */
const STUB_ITEMS =
  'UNWIND $uids AS u MATCH (m:MemoryNode {uid: u}) WHERE m:Memory AND m.cubeId = $cubeId ' +
  'WITH m, m.uid AS mu, m.ns AS n, m.id AS i REMOVE m:Memory SET m = {uid: mu, ns: n, id: i}';

/** Removes items of one cube inside `tx` (see `GraphStore.forgetItems`). */
async function forgetInTransaction(tx: ManagedTransaction, ns: string, int: IntFn, cubeId: string, ids: readonly string[]): Promise<ForgetItemsResult> {
  const uids = [...new Set(ids)].map((id) => uid(ns, id));
  const params = { uids, cubeId };
  const found = (await tx.run(FIND_ITEMS, params)).records;
  const scopes = new Map<string, { uid: string; cubeId: string; status: string; count: number; length: number }>();
  const terms = new Map<string, { uid: string; cubeId: string; status: string; term: string; delta: number }>();
  for (const record of found) {
    const status = String(record.get('status'));
    const scopeKey = scopeUid(ns, cubeId, status);
    const scope = scopes.get(scopeKey) ?? { uid: scopeKey, cubeId, status, count: 0, length: 0 };
    scope.count -= 1;
    scope.length -= Number(record.get('docLength') ?? 0);
    scopes.set(scopeKey, scope);
    for (const term of termCounts(record.get('kwText') as string | null).keys()) {
      const key = termUid(ns, cubeId, status, term);
      const entry = terms.get(key) ?? { uid: key, cubeId, status, term, delta: 0 };
      entry.delta -= 1;
      terms.set(key, entry);
    }
  }
  // Counters in uid order, as writeBatch takes them (no deadlock between the two).
  const byUid = (a: { uid: string }, b: { uid: string }) => (a.uid < b.uid ? -1 : 1);
  const scopeRows = [...scopes.values()].sort(byUid).map((d) => ({ ...d, count: int(d.count), length: int(d.length) }));
  if (scopeRows.length > 0) await tx.run(UPDATE_SCOPES, { rows: scopeRows, ns });
  const termRows = [...terms.values()].sort(byUid).map((d) => ({ ...d, delta: int(d.delta) }));
  if (termRows.length > 0) await tx.run(UPDATE_TERMS, { rows: termRows, ns });
  const edgeRow = (await tx.run(DELETE_EDGES, params)).records[0];
  const ends = (edgeRow?.get('ends') as string[] | undefined) ?? [];
  const versions = Number((await tx.run(DELETE_VERSIONS, params)).records[0]?.get('deleted') ?? 0);
  await tx.run(DELETE_ITEMS, params);
  await tx.run(STUB_ITEMS, params);
  await tx.run(DROP_STUBS, { uids: [...new Set([...uids, ...ends])] });
  return { ids: found.map((record) => String(record.get('id'))).sort(), versions, edges: Number(edgeRow?.get('deleted') ?? 0) };
}

/** Hard-deletes items of one cube in one transaction (see `GraphStore.forgetItems`). */
export async function forgetItems(conn: Neo4jConnection, query: { cubeId: string; ids: readonly string[] }): Promise<ForgetItemsResult> {
  if (query.ids.length === 0) return { ids: [], versions: 0, edges: 0 };
  return conn.write('forgetItems', (tx) => forgetInTransaction(tx, conn.namespace, conn.neo4j.int, query.cubeId, query.ids));
}

/** Removes a user's items (any cube), access-list entries and record in one transaction (see `GraphStore.purgeUser`). */
export async function purgeUser(conn: Neo4jConnection, userId: string): Promise<PurgeUserResult> {
  const ns = conn.namespace;
  return conn.write('purgeUser', async (tx) => {
    const owned = (await tx.run('MATCH (m:Memory) WHERE m.ns = $ns AND m.ownerId = $userId RETURN m.cubeId AS cubeId, m.id AS id ORDER BY cubeId, id', { ns, userId }))
      .records.map((record) => ({ cubeId: String(record.get('cubeId')), id: String(record.get('id')) }));
    for (const [cubeId, entries] of Map.groupBy(owned, (entry) => entry.cubeId)) {
      await forgetInTransaction(tx, ns, conn.neo4j.int, cubeId, entries.map((entry) => entry.id));
    }
    const aclCubes: string[] = [];
    const cubes = (await tx.run('MATCH (c:Cube) WHERE c.ns = $ns RETURN c.uid AS uid, c.record AS record ORDER BY c.id', { ns })).records;
    for (const record of cubes) {
      const cube = JSON.parse(String(record.get('record'))) as MemCubeConfig;
      if (!cube.acl.some((entry) => entry.userId === userId)) continue;
      const updated = { ...cube, acl: cube.acl.filter((entry) => entry.userId !== userId), updatedAt: laterThan(cube.updatedAt) };
      await tx.run('MATCH (c:Cube {uid: $uid}) SET c.record = $record', { uid: record.get('uid'), record: JSON.stringify(updated) });
      aclCubes.push(cube.id);
    }
    const deleted = (await tx.run('MATCH (x:User {uid: $uid}) DELETE x RETURN count(x) AS n', { uid: uid(ns, userId) })).records[0];
    return { items: owned, aclCubes, user: Number(deleted?.get('n') ?? 0) > 0 };
  });
}

/** Now, or 1 ms after `previous` when the clock has not passed it (a changed cube's `updatedAt` always moves forward). */
function laterThan(previous: string): string {
  const now = Date.now();
  const before = Date.parse(previous);
  return new Date(Number.isFinite(before) && now <= before ? before + 1 : now).toISOString();
}
