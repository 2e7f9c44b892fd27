import type { ConflictError } from '../../errors/conflict-error.ts';
import type { ItemVersionRef, ItemWrite, WriteBatch } from '../../spec/graph-store.ts';
import { EDGE_TYPES, type EdgeType, type VectorSyncState } from '../../spec/memory-item.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { auditProps, itemProps, scopeUid, termUid, uid, versionProps } from './neo4j-item-props.ts';
import { encodeTerm, termCounts } from './neo4j-keyword-text.ts';
import { duplicateAudit, duplicateVersion, versionMismatch } from '../validation/write-conflicts.ts';
import { lockCubesForWrite, markCubeDeleting } from './neo4j-cube-lock.ts';

/** Rows per `UNWIND` statement (bounds the size of one Bolt message and of one statement's state). */
const UNWIND_CHUNK = 2000;
/** Nodes or relationships removed per transaction by {@link deleteCubeData}. */
const DELETE_CHUNK = 5000;

/**
 * Creates missing nodes, write-locks every item of the batch (the SET takes the node's write lock;
 * what RETURN reads comes after it, so a concurrent writer's commit is seen) and reads what the
 * expected-version check and the keyword counters need.
 */
const LOCK_ITEMS =
  'UNWIND $rows AS row MERGE (n:MemoryNode {uid: row.uid}) ON CREATE SET n.id = row.id SET n.ns = $ns ' +
  'RETURN row.uid AS uid, n:Memory AS existed, n.version AS version, n.cubeId AS cubeId, n.status AS status, ' +
  'n.docLength AS docLength, n.kwText AS kwText';
/** Replaces the items' properties (the full-text index follows in the same transaction). */
const UPSERT_ITEMS = 'UNWIND $rows AS row MATCH (n:MemoryNode {uid: row.uid}) SET n = row.props, n:Memory';
/** Adds the batch's changes to the per-partition document frequencies; a term no item holds any more goes. */
export const UPDATE_TERMS =
  'UNWIND $rows AS d MERGE (t:Term {uid: d.uid}) ' +
  'ON CREATE SET t.ns = $ns, t.cubeId = d.cubeId, t.status = d.status, t.term = d.term, t.df = 0 ' +
  'SET t.df = t.df + d.delta WITH t WHERE t.df <= 0 DELETE t';
/** Adds the batch's changes to the per-partition document counts and lengths. */
export const UPDATE_SCOPES =
  'UNWIND $rows AS d MERGE (s:KeywordScope {uid: d.uid}) ' +
  'ON CREATE SET s.ns = $ns, s.cubeId = d.cubeId, s.status = d.status, s.docCount = 0, s.totalLength = 0 ' +
  'SET s.docCount = s.docCount + d.count, s.totalLength = s.totalLength + d.length';
const REMOVE_EDGES =
  'UNWIND $rows AS e MATCH (a:MemoryNode {uid: e.from})-[r]->(b:MemoryNode {uid: e.to}) WHERE type(r) = e.type DELETE r';
/** One statement per relationship type: types cannot be parameters, so they come from EDGE_TYPES only. */
const UPSERT_EDGES = new Map<EdgeType, string>(
  EDGE_TYPES.map((type) => [
    type,
    'UNWIND $rows AS e ' +
      'MERGE (a:MemoryNode {uid: e.fromUid}) ON CREATE SET a.ns = $ns, a.id = e.from ' +
      'MERGE (b:MemoryNode {uid: e.toUid}) ON CREATE SET b.ns = $ns, b.id = e.to ' +
      `MERGE (a)-[r:${type}]->(b) SET r.cubeId = e.cubeId, r.weight = e.weight, r.createdAt = e.createdAt`,
  ]),
);
/** The first stored version row among the batch's (insert-only: one found is a conflict). */
const FIND_VERSIONS = 'UNWIND $rows AS v MATCH (x:Version {uid: v.uid}) RETURN x.itemId AS itemId, x.version AS version LIMIT 1';
/** Insert-only (a concurrent duplicate fails on the `memos_version_uid` constraint). */
const INSERT_VERSIONS =
  'UNWIND $rows AS v ' +
  'MERGE (n:MemoryNode {uid: v.itemUid}) ON CREATE SET n.ns = $ns, n.id = v.itemId ' +
  'CREATE (x:Version) SET x = v CREATE (n)-[:HAS_VERSION]->(x)';
/** The first stored audit record among the batch's (append-only: one found is a conflict). */
const FIND_AUDIT = 'UNWIND $rows AS a MATCH (x:Audit {uid: a.uid}) RETURN x.id AS id LIMIT 1';
/** Append-only: an audit id already stored keeps its record (a concurrent duplicate fails on the `memos_audit_uid` constraint). */
const INSERT_AUDIT = 'UNWIND $rows AS a CREATE (x:Audit) SET x = a';
/** Deletes stub nodes (edge endpoints without an item) that lost their last relationship. */
export const DROP_STUBS = 'UNWIND $uids AS u MATCH (n:MemoryNode {uid: u}) WHERE NOT n:Memory AND NOT (n)--() DELETE n';

/**
 * Applies a validated batch in one managed write transaction, in the order SQLite uses: items
 * write-locked (in uid order) and their expected versions checked, items (replaced by id, keyword
 * fields rebuilt), edge removals, edge upserts (by from, to, type), versions (insert-only), audit
 * records (append-only). A stale `expectedVersion` or an existing version row / audit id throws
 * `ConflictError`; any error rolls everything back.
 */
export async function writeBatch(conn: Neo4jConnection, batch: WriteBatch): Promise<void> {
  const ns = conn.namespace;
  const int = conn.neo4j.int;
  // The last write of an id wins, as with upserts applied one after the other.
  const writes = new Map<string, ItemWrite>();
  for (const write of batch.items ?? []) {
    writes.delete(write.item.id);
    writes.set(write.item.id, write);
  }
  const items = [...writes.values()].map(({ item, terms, expectedVersion }) => ({
    uid: uid(ns, item.id),
    id: item.id,
    expectedVersion,
    props: itemProps(ns, item, terms, int),
    terms: new Set(terms.map(encodeTerm)),
    scope: { uid: scopeUid(ns, item.cubeId, item.status), cubeId: item.cubeId, status: item.status, length: terms.length },
  }));
  const removed = (batch.removeEdges ?? []).map((e) => ({ from: uid(ns, e.from), to: uid(ns, e.to), type: e.type }));
  const edgesByType = new Map<EdgeType, Record<string, unknown>[]>();
  for (const e of batch.edges ?? []) {
    const rows = edgesByType.get(e.type) ?? [];
    rows.push({ from: e.from, to: e.to, fromUid: uid(ns, e.from), toUid: uid(ns, e.to), cubeId: e.cubeId, weight: e.weight, createdAt: e.createdAt });
    edgesByType.set(e.type, rows);
  }
  // Locks in uid order: concurrent writers of overlapping batches wait instead of deadlocking.
  items.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  const versions = (batch.versions ?? []).map((v) => versionProps(ns, v, int));
  const audit = (batch.audit ?? []).map((a) => auditProps(ns, a));
  rejectDuplicateRows(batch);
  const touched = [...new Set(batch.touch?.ids ?? [])].map((id) => uid(ns, id));
  if (items.length + removed.length + edgesByType.size + versions.length + audit.length + touched.length === 0) return;
  // A uniqueness violation means a concurrent writer inserted the same version row / audit id.
  await conn.write('write', async (tx) => {
    await lockCubesForWrite(tx, ns, batch.requireCubes);
    const run = async (cypher: string, rows: unknown[]) => {
      for (let i = 0; i < rows.length; i += UNWIND_CHUNK) await tx.run(cypher, { rows: rows.slice(i, i + UNWIND_CHUNK), ns });
    };
    if (items.length > 0) {
      const deltas = new Map<string, { uid: string; cubeId: string; status: string; count: number; length: number }>();
      const add = (scope: { uid: string; cubeId: string; status: string }, count: number, length: number) => {
        const delta = deltas.get(scope.uid) ?? { ...scope, count: 0, length: 0 };
        delta.count += count;
        delta.length += length;
        deltas.set(scope.uid, delta);
      };
      const dfDeltas = new Map<string, { uid: string; cubeId: string; status: string; term: string; delta: number }>();
      const addTerms = (cubeId: string, status: string, terms: Iterable<string>, delta: number) => {
        for (const term of terms) {
          const key = termUid(ns, cubeId, status, term);
          const entry = dfDeltas.get(key) ?? { uid: key, cubeId, status, term, delta: 0 };
          entry.delta += delta;
          dfDeltas.set(key, entry);
        }
      };
      const expectedByUid = new Map<string, { id: string; version: number }>();
      for (const item of items) if (item.expectedVersion !== undefined) expectedByUid.set(item.uid, { id: item.id, version: item.expectedVersion });
      for (let i = 0; i < items.length; i += UNWIND_CHUNK) {
        const locked = await tx.run(LOCK_ITEMS, { rows: items.slice(i, i + UNWIND_CHUNK).map(({ uid: u, id }) => ({ uid: u, id })), ns });
        for (const record of locked.records) {
          const expected = expectedByUid.get(record.get('uid') as string);
          const actual = record.get('existed') === true ? Number(record.get('version') ?? 0) : 0;
          if (expected !== undefined && expected.version !== actual) throw versionMismatch(expected.id, expected.version, actual);
          if (record.get('existed') !== true) continue;
          const [cubeId, status] = [String(record.get('cubeId')), String(record.get('status'))];
          add({ uid: scopeUid(ns, cubeId, status), cubeId, status }, -1, -Number(record.get('docLength') ?? 0));
          addTerms(cubeId, status, termCounts(record.get('kwText') as string | null).keys(), -1);
        }
      }
      for (const item of items) {
        add(item.scope, 1, item.scope.length);
        addTerms(item.scope.cubeId, item.scope.status, item.terms, 1);
      }
      await run(UPSERT_ITEMS, items.map(({ uid: u, props }) => ({ uid: u, props })));
      // Counters in uid order: concurrent writers lock them in the same order (no deadlock between them).
      const changed = [...deltas.values()].filter((d) => d.count !== 0 || d.length !== 0).sort((a, b) => (a.uid < b.uid ? -1 : 1));
      await run(UPDATE_SCOPES, changed.map((d) => ({ ...d, count: int(d.count), length: int(d.length) })));
      const dfChanged = [...dfDeltas.values()].filter((d) => d.delta !== 0).sort((a, b) => (a.uid < b.uid ? -1 : 1));
      await run(UPDATE_TERMS, dfChanged.map((d) => ({ ...d, delta: int(d.delta) })));
    }
    await run(REMOVE_EDGES, removed);
    for (const type of EDGE_TYPES) await run(UPSERT_EDGES.get(type) as string, edgesByType.get(type) ?? []);
    for (let i = 0; i < versions.length; i += UNWIND_CHUNK) {
      const found = (await tx.run(FIND_VERSIONS, { rows: versions.slice(i, i + UNWIND_CHUNK), ns })).records[0];
      if (found !== undefined) throw duplicateVersion(String(found.get('itemId')), Number(found.get('version')));
    }
    await run(INSERT_VERSIONS, versions);
    for (let i = 0; i < audit.length; i += UNWIND_CHUNK) {
      const found = (await tx.run(FIND_AUDIT, { rows: audit.slice(i, i + UNWIND_CHUNK), ns })).records[0];
      if (found !== undefined) throw duplicateAudit(String(found.get('id')));
    }
    await run(INSERT_AUDIT, audit);
    if (touched.length > 0) await tx.run(TOUCH, { uids: touched, at: batch.touch?.at });
    if (removed.length > 0) await tx.run(DROP_STUBS, { uids: [...new Set(removed.flatMap((e) => [e.from, e.to]))] });
  }).catch((error: unknown) => {
    throw uniqueConflict(error, ns) ?? error;
  });
}

/** Version rows or audit ids repeated inside one batch are conflicts too (as a second insert is on SQLite). */
function rejectDuplicateRows(batch: WriteBatch): void {
  const versions = new Set<string>();
  for (const v of batch.versions ?? []) {
    const key = JSON.stringify([v.itemId, v.version]);
    if (versions.has(key)) throw duplicateVersion(v.itemId, v.version);
    versions.add(key);
  }
  const audit = new Set<string>();
  for (const a of batch.audit ?? []) {
    if (audit.has(a.id)) throw duplicateAudit(a.id);
    audit.add(a.id);
  }
}

/**
 * A uniqueness violation on a version or audit uid (a concurrent writer inserted the same row
 * between our check and our insert) as the ConflictError the check would have thrown; else undefined.
 */
function uniqueConflict(error: unknown, ns: string): ConflictError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (code === 'Neo.ClientError.Schema.ConstraintValidationFailed' && typeof message === 'string') {
      const value = /property `uid` = '([^']*)'/.exec(message)?.[1] ?? '';
      const local = value.startsWith(`${ns}:`) ? value.slice(ns.length + 1) : value;
      if (message.includes('`Version`')) {
        const at = local.lastIndexOf('#');
        return duplicateVersion(at < 0 ? local : local.slice(0, at), at < 0 ? 0 : Number(local.slice(at + 1)));
      }
      if (message.includes('`Audit`')) return duplicateAudit(local);
      return undefined;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** One step of {@link deleteCubeData}: removes at most `$limit` things, returns `deleted` (and stub candidates as `ends`). */
const DELETE_CUBE_STEPS: readonly string[] = [
  ...EDGE_TYPES.map(
    (type) =>
      `MATCH (a)-[r:${type}]->(b) WHERE r.cubeId = $cubeId AND a.ns = $ns ` +
      'WITH a, r, b LIMIT $limit WITH a.uid AS from, b.uid AS to, r DELETE r ' +
      'RETURN count(*) AS deleted, collect(from) + collect(to) AS ends',
  ),
  'MATCH (n:MemoryNode)-[:HAS_VERSION]->(x:Version) WHERE x.cubeId = $cubeId AND x.ns = $ns ' +
    'WITH n.uid AS owner, x LIMIT $limit DETACH DELETE x RETURN count(*) AS deleted, collect(owner) AS ends',
  'MATCH (x:Version) WHERE x.cubeId = $cubeId AND x.ns = $ns WITH x LIMIT $limit DETACH DELETE x RETURN count(*) AS deleted',
  'MATCH (t:Term) WHERE t.cubeId = $cubeId AND t.ns = $ns WITH t LIMIT $limit DELETE t RETURN count(*) AS deleted',
  'MATCH (s:KeywordScope) WHERE s.cubeId = $cubeId AND s.ns = $ns DELETE s RETURN count(*) AS deleted',
  'MATCH (m:Memory) WHERE m.cubeId = $cubeId AND m.ns = $ns AND NOT (m)--() WITH m LIMIT $limit DELETE m RETURN count(*) AS deleted',
  // An item another cube's edge or version still points at becomes a stub (SQLite keeps such edges).
  'MATCH (m:Memory) WHERE m.cubeId = $cubeId AND m.ns = $ns WITH m LIMIT $limit ' +
    'WITH m, m.uid AS u, m.ns AS n, m.id AS i REMOVE m:Memory SET m = {uid: u, ns: n, id: i} RETURN count(*) AS deleted',
  'MATCH (c:Cube {uid: $cubeUid}) DELETE c RETURN count(*) AS deleted',
];

/**
 * Removes a cube and everything in it: its edges (stub endpoints left without relationships too),
 * versions, keyword terms and counters, items and the cube record (audit records stay: append-only). Runs in transactions of at most
 * {@link DELETE_CHUNK} removals each so that huge cubes fit in the server's memory; the cube record
 * goes last, so an interrupted call is completed by calling it again.
 */
export async function deleteCubeData(conn: Neo4jConnection, cubeId: string): Promise<void> {
  const params = { cubeId, ns: conn.namespace, cubeUid: uid(conn.namespace, cubeId), limit: conn.neo4j.int(DELETE_CHUNK) };
  // First mark the cube: this waits for writes holding its lock (requireCubes) to commit, and makes
  // every later one fail, so no add in flight leaves items behind the deletion.
  await markCubeDeleting(conn, cubeId);
  // Usually one transaction; a step that hits the chunk limit commits and the steps start over (done ones find nothing).
  for (let more = true; more; ) {
    more = await conn.write('deleteCube', async (tx) => {
      for (const step of DELETE_CUBE_STEPS) {
        const row = (await tx.run(step, params)).records[0];
        const ends = row !== undefined && row.has('ends') ? (row.get('ends') as string[]) : [];
        if (ends.length > 0) await tx.run(DROP_STUBS, { uids: [...new Set(ends)] });
        if (Number(row?.get('deleted') ?? 0) >= DELETE_CHUNK) return true;
      }
      return false;
    });
  }
}

/** Increments `accessCount` and sets `lastAccessedAt` (no version, `updatedAt` unchanged); unknown ids are ignored. */
export async function touchItems(conn: Neo4jConnection, ids: readonly string[], at: string): Promise<void> {
  if (ids.length === 0) return;
  const uids = [...new Set(ids)].map((id) => uid(conn.namespace, id));
  await conn.write('touch', async (tx) => {
    await tx.run(TOUCH, { uids, at });
  });
}

/** Increments the access counts of the uids' items (unknown ones ignored). */
const TOUCH = 'UNWIND $uids AS u MATCH (m:MemoryNode {uid: u}) WHERE m:Memory SET m.accessCount = m.accessCount + 1, m.lastAccessedAt = $at';

/**
 * Sets the sync state of the rows' items; a row with a version only while the item is at it. The
 * first SET takes the node's write lock, so the version is read after any concurrent writer's commit
 * (a WHERE before the lock could read a version that is replaced before the update lands).
 */
const SET_SYNC_STATE =
  'UNWIND $rows AS r MATCH (m:MemoryNode {uid: r.uid}) WHERE m:Memory SET m.ns = m.ns ' +
  'WITH m, r WHERE r.version IS NULL OR m.version = r.version ' +
  'SET m.vectorSyncState = $state, m.embeddingModel = coalesce($model, m.embeddingModel) RETURN m.id AS id';

/**
 * Sets `vectorSyncState` (and `embeddingModel` when given) without a version record; a target
 * with a version only while the stored item is at that version. Returns the ids updated.
 */
export async function updateVectorSyncState(
  conn: Neo4jConnection,
  targets: readonly (string | ItemVersionRef)[],
  state: VectorSyncState,
  embeddingModel: string | undefined,
): Promise<string[]> {
  if (targets.length === 0) return [];
  const int = conn.neo4j.int;
  const rows = targets
    .map((t) => (typeof t === 'string' ? { uid: uid(conn.namespace, t), version: null } : { uid: uid(conn.namespace, t.id), version: int(t.version) }))
    .sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  return conn.write('setVectorSyncState', async (tx) => {
    const result = await tx.run(SET_SYNC_STATE, { rows, state, model: embeddingModel ?? null });
    return [...new Set(result.records.map((record) => String(record.get('id'))))];
  });
}

/** Statements of {@link deleteNamespaceData}, each removing at most `$limit` things. */
const DROP_NAMESPACE_STEPS: readonly string[] = [
  ...['Version', 'Audit', 'User', 'Cube', 'Dump', 'MemoryVector', 'Term', 'KeywordScope', 'MemoryNode', 'Job', 'JobQueue'].map(
    (label) => `MATCH (n:${label}) WHERE n.ns = $ns WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted`,
  ),
];

/**
 * Removes every node (and relationship) of the connection's namespace, in transactions of at most
 * {@link DELETE_CHUNK} removals (the shared schema stays). For tests and tenant removal.
 */
export async function deleteNamespaceData(conn: Neo4jConnection): Promise<void> {
  const params = { ns: conn.namespace, limit: conn.neo4j.int(DELETE_CHUNK) };
  for (const step of DROP_NAMESPACE_STEPS) {
    for (;;) {
      const deleted = await conn.write('dropNamespace', async (tx) => Number((await tx.run(step, params)).records[0]?.get('deleted') ?? 0));
      if (deleted < DELETE_CHUNK) break;
    }
  }
}
