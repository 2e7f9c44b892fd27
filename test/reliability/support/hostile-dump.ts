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

/** The rows of a dump directory. */
export interface DumpRows {
  manifest: Row;
  memories: Row[];
  versions: Row[];
  edges: Row[];
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

/** Reads a dump directory. */
export function readDump(dir: string): DumpRows {
  return {
    manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Row,
    memories: readRows(dir, 'memories.jsonl'),
    versions: readRows(dir, 'versions.jsonl'),
    edges: readRows(dir, 'edges.jsonl'),
  };
}

/** Writes the rows back (the manifest's counts are left as they are). */
export function writeDump(dir: string, dump: DumpRows): void {
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(dump.manifest, null, 2));
  for (const file of ['memories', 'versions', 'edges'] as const) {
    writeFileSync(join(dir, `${file}.jsonl`), dump[file].map((r) => JSON.stringify(r)).join('\n') + (dump[file].length > 0 ? '\n' : ''));
  }
}

/** Gives every item of the dump a fresh id (items, versions, snapshots, edges), so it loads next to the original. */
export function remintDumpIds(dump: DumpRows, newId: () => string): void {
  const ids = new Map(dump.memories.map((item) => [String(item['id']), newId()]));
  const remap = (id: unknown) => ids.get(String(id)) ?? String(id);
  for (const item of dump.memories) item['id'] = remap(item['id']);
  for (const version of dump.versions) {
    version['itemId'] = remap(version['itemId']);
    const snapshot = version['snapshot'] as Row;
    snapshot['id'] = remap(snapshot['id']);
  }
  for (const edge of dump.edges) {
    edge['from'] = remap(edge['from']);
    edge['to'] = remap(edge['to']);
  }
}

/**
 * Re-mints every item id of the dump with `newId` (so it loads next to the original) and then
 * points it at `victimId` as `mode` says. Returns the id the attacker then uses (its first
 * item's, or the victim's) or undefined when the dump holds no item.
 */
export function rewriteHostileDump(options: { dir: string; victimId: string; mode: HostileMode; newId: () => string }): string | undefined {
  const { dir, victimId, mode } = options;
  const dump = readDump(dir);
  remintDumpIds(dump, options.newId);
  const { memories: items, versions, edges } = dump;
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
  const counts = dump.manifest['counts'] as Record<string, number> | undefined;
  if (counts) Object.assign(counts, { memories: items.length, versions: versions.length, edges: edges.length });
  writeDump(dir, dump);
  return mode === 'item' ? victimId : handle;
}
