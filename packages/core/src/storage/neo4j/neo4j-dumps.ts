import type { DumpRecord } from '../../spec/graph-store.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';

/** `:Dump {uid: ns + NUL + dir, ns, dir, cubeId, at}`: dump directories the runtime wrote. */
function dumpUid(ns: string, dir: string): string {
  return `${ns}\u0000${dir}`;
}

/** Registers a dump directory (replaces the record of the same directory). */
export async function recordDump(conn: Neo4jConnection, dump: DumpRecord): Promise<void> {
  const ns = conn.namespace;
  await conn.write('recordDump', async (tx) => {
    await tx.run('MERGE (d:Dump {uid: $uid}) SET d.ns = $ns, d.dir = $dir, d.cubeId = $cubeId, d.at = $at', {
      uid: dumpUid(ns, dump.dir), ns, dir: dump.dir, cubeId: dump.cubeId, at: dump.at,
    });
  });
}

/** Registered dumps of the cubes (all when absent), ordered by dir. */
export async function listDumps(conn: Neo4jConnection, query: { cubeIds?: readonly string[] }): Promise<DumpRecord[]> {
  const rows = await conn.query(
    'listDumps',
    `MATCH (d:Dump) WHERE d.ns = $ns${query.cubeIds === undefined ? '' : ' AND d.cubeId IN $cubeIds'} RETURN d.dir AS dir, d.cubeId AS cubeId, d.at AS at ORDER BY d.dir`,
    { ns: conn.namespace, ...(query.cubeIds === undefined ? {} : { cubeIds: [...query.cubeIds] }) },
  );
  return rows.map((row) => ({ dir: String(row['dir']), cubeId: String(row['cubeId']), at: String(row['at']) }));
}

/** Forgets the registration of these directories. */
export async function removeDumps(conn: Neo4jConnection, dirs: readonly string[]): Promise<void> {
  if (dirs.length === 0) return;
  const ns = conn.namespace;
  await conn.write('removeDumps', async (tx) => {
    await tx.run('UNWIND $uids AS u MATCH (d:Dump {uid: u}) DELETE d', { uids: dirs.map((dir) => dumpUid(ns, dir)) });
  });
}
