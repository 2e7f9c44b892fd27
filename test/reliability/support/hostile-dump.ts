/**
 * Reads, rewrites and scans cube dump directories: the text of a dump (for the leak scan) and
 * hostile edits of an honest dump that point ids inside it at a victim's item.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostileMode } from './isolation-ops.ts';

type Row = Record<string, unknown>;

/** Every file of a dump directory as one string. */
export function dumpText(dir: string): string {
  return readdirSync(dir).map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
}

function readRows(dir: string, file: string): Row[] {
  let text: string;
  try {
    text = readFileSync(join(dir, file), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Row);
}

function writeRows(dir: string, file: string, rows: Row[]): void {
  writeFileSync(join(dir, file), rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : ''));
}

/**
 * Re-mints every item id of the dump with `newId` (so it loads next to the original) and then
 * points it at `victimId` as `mode` says. Returns the new id of the first item (the attacker's
 * handle) or undefined when the dump holds no item.
 */
export function rewriteHostileDump(options: { dir: string; victimId: string; mode: HostileMode; newId: () => string }): string | undefined {
  const { dir, victimId, mode } = options;
  const items = readRows(dir, 'memories.jsonl');
  const versions = readRows(dir, 'versions.jsonl');
  const edges = readRows(dir, 'edges.jsonl');
  const ids = new Map(items.map((item) => [String(item['id']), options.newId()]));
  const remap = (id: unknown) => ids.get(String(id)) ?? String(id);
  for (const item of items) item['id'] = remap(item['id']);
  for (const version of versions) {
    version['itemId'] = remap(version['itemId']);
    const snapshot = version['snapshot'] as Row;
    snapshot['id'] = remap(snapshot['id']);
  }
  for (const edge of edges) {
    edge['from'] = remap(edge['from']);
    edge['to'] = remap(edge['to']);
  }
  const handle = items[0] ? String(items[0]['id']) : undefined;
  if (handle === undefined) return undefined;
  const own = versions.filter((v) => v['itemId'] === handle);
  if (mode === 'snapshot') {
    for (const v of own) (v['snapshot'] as Row)['id'] = victimId;
  } else if (mode === 'version-item') {
    const first = own[0];
    if (first) versions.push({ ...structuredClone(first), itemId: victimId, version: 1 });
  } else if (mode === 'item') {
    items[0]!['id'] = victimId;
    for (const v of own) {
      v['itemId'] = victimId;
      (v['snapshot'] as Row)['id'] = victimId;
    }
  } else {
    edges.push({ from: handle, to: victimId, type: 'RELATE_TO', cubeId: items[0]!['cubeId'], weight: 1, createdAt: items[0]!['createdAt'] });
  }
  writeRows(dir, 'memories.jsonl', items);
  writeRows(dir, 'versions.jsonl', versions);
  writeRows(dir, 'edges.jsonl', edges);
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { counts?: Record<string, number> };
  if (manifest.counts) Object.assign(manifest.counts, { memories: items.length, versions: versions.length, edges: edges.length });
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return mode === 'item' ? victimId : handle;
}
