import type { AuditQuery } from '../../spec/graph-store.ts';
import type { AuditRecord } from '../../spec/memory-item.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { propsToAudit } from './neo4j-item-props.ts';

/**
 * Audit records matching every condition of the query, by (`at`, id) in `direction`, at most
 * `limit`. `:Audit` nodes are append-only: `write` creates them (never replaces one) and no
 * statement of the backend updates or deletes them, except `dropNamespace`.
 */
export async function listAudit(conn: Neo4jConnection, query: AuditQuery): Promise<AuditRecord[]> {
  const clauses = ['a.ns = $ns'];
  const params: Record<string, unknown> = { ns: conn.namespace };
  if (query.cubeId !== undefined) {
    clauses.push('a.cubeId = $cubeId');
    params['cubeId'] = query.cubeId;
  }
  if (query.itemId !== undefined) {
    clauses.push('(a.itemId = $itemId OR $itemId IN coalesce(a.itemIds, []))');
    params['itemId'] = query.itemId;
  }
  if (query.actor !== undefined) {
    clauses.push('a.actor = $actor');
    params['actor'] = query.actor;
  }
  if (query.actions !== undefined) {
    if (query.actions.length === 0) return [];
    clauses.push('a.action IN $actions');
    params['actions'] = query.actions;
  }
  if (query.since !== undefined) {
    clauses.push('a.at >= $since');
    params['since'] = query.since;
  }
  if (query.until !== undefined) {
    clauses.push('a.at < $until');
    params['until'] = query.until;
  }
  let limit = '';
  if (query.limit !== undefined) {
    limit = ' LIMIT $limit';
    params['limit'] = conn.neo4j.int(query.limit);
  }
  const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
  const rows = await conn.query(
    'listAudit',
    `MATCH (a:Audit) WHERE ${clauses.join(' AND ')} RETURN a {.*} AS a ORDER BY a.at ${direction}, a.id ${direction}${limit}`,
    params,
  );
  return rows.map((row) => propsToAudit(row['a'] as Record<string, unknown>));
}
