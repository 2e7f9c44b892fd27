/**
 * Hostile dumps: edited copies of an honest dump (wrong counts, broken lines, ids that point at a
 * victim's items or outside the dump, prototype keys, oversized fields). Loading one must either
 * fail with a typed error and write nothing, or load without touching anything outside the new cube.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { MemOS } from '@memos-js/core';
import { checkCall, type FuzzSeed, type FuzzStats } from './fuzz-run.ts';
import { readDump, remintDumpIds, writeDump, type DumpRows } from './hostile-dump.ts';
import { storeSnapshot } from './store-snapshot.ts';

type Row = Record<string, unknown>;

/** Edits of an honest dump; `victim` is an item id outside the dump (in another user's cube). */
export const HOSTILE_DUMP_EDITS: Record<string, (d: DumpRows, victim: string, raw: { text?: Record<string, string> }) => void> = {
  'manifest not JSON': (_d, _v, raw) => void (raw.text = { 'manifest.json': '{"formatVersion": "1.0",' }),
  'newer major format': (d) => void (d.manifest['formatVersion'] = '99.0'),
  'memory count off by one': (d) => void ((d.manifest['counts'] as Row)['memories'] = d.memories.length + 1),
  'absurd counts': (d) => void Object.assign(d.manifest['counts'] as Row, { memories: 1e15, versions: -1, edges: Number.MAX_SAFE_INTEGER }),
  'truncated memory line': (_d, _v, raw) => void (raw.text = { 'memories.jsonl': '{"id": "x1", "cubeId": ' }),
  'snapshot names a victim item': (d, victim) => d.versions.forEach((v) => ((v['snapshot'] as Row)['id'] = victim)),
  'snapshot names a foreign cube': (d) => d.versions.forEach((v) => ((v['snapshot'] as Row)['cubeId'] = 'fz-victim-cube')),
  'version of a victim item': (d, victim) => void d.versions.push({ ...structuredClone(d.versions[0]!), itemId: victim, version: 7 }),
  'item takes a victim id': (d, victim) => {
    const old = d.memories[0]!['id'];
    d.memories[0]!['id'] = victim;
    d.versions.filter((v) => v['itemId'] === old).forEach((v) => { v['itemId'] = victim; (v['snapshot'] as Row)['id'] = victim; });
  },
  'edge to a victim item': (d, victim) => void d.edges.push({ ...(d.edges[0] ?? { type: 'RELATE_TO', weight: 1, createdAt: '2024-01-01T00:00:00.000Z', cubeId: 'fzc1' }), from: d.memories[0]!['id'], to: victim }),
  'edge between unknown ids': (d) => void d.edges.push({ from: 'nope-1', to: 'nope-2', type: 'RELATE_TO', cubeId: 'fzc1', weight: 1, createdAt: '2024-01-01T00:00:00.000Z' }),
  'duplicate item ids': (d) => void d.memories.push(structuredClone(d.memories[0]!)),
  'version of an unknown item': (d) => void d.versions.push({ ...structuredClone(d.versions[0]!), itemId: 'ghost-item' }),
  'prototype keys in rows': (d) => {
    d.memories[0]!['metadata'] = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}');
    Object.defineProperty(d.memories[0]!, '__proto__', { value: { polluted: 'yes' }, enumerable: true });
  },
  'oversized text': (d) => void (d.memories[0]!['text'] = 'x'.repeat(200_000)),
  'invalid item id': (d) => void (d.memories[0]!['id'] = '../../etc/passwd'),
  'lone surrogates and NUL in text': (d) => void (d.memories[0]!['text'] = 'a\uD800b\u0000c'),
  'unknown status': (d) => void (d.memories[0]!['status'] = 'owned'),
  'negative version': (d) => void (d.memories[0]!['version'] = -3),
};

/** Writes an edited copy of the seed dump (item ids re-minted first, so that it gets past the id clash check). */
export function writeHostileDump(seed: FuzzSeed, edit: string, victim: string, dir: string): void {
  cpSync(seed.dump, dir, { recursive: true });
  const dump = readDump(dir);
  let n = 0;
  remintDumpIds(dump, () => `${basename(dir)}-${++n}`);
  const raw: { text?: Record<string, string> } = {};
  HOSTILE_DUMP_EDITS[edit]!(dump, victim, raw);
  writeDump(dir, dump);
  for (const [file, text] of Object.entries(raw.text ?? {})) writeFileSync(join(dir, file), text);
}

/** What an attacker does with a loaded cube: roll every item back to its first version (errors are fine). */
async function exploit(mos: MemOS, userId: string, cubeId: string): Promise<string[]> {
  const { items } = await mos.getAll({ userId, cubeIds: [cubeId], filter: { statuses: ['active', 'invalidated', 'deleted'] }, limit: 1_000 });
  for (const item of items) if (item.version > 1) await mos.rollback({ userId, id: item.id, version: 1 }).catch(() => undefined);
  return items.filter((item) => !PUBLIC_ID.test(item.id) || item.version < 1 || item.text.length > 32_000).map((item) => `${item.id} v${item.version} (${item.text.length} chars)`);
}

/** Ids the public API accepts (a loaded item must be addressable). */
const PUBLIC_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/**
 * Loads every hostile dump (as the seed's other user, so the seed owner's items are victims):
 * a typed error and nothing written, or a load that leaves the victim's data exactly as it was.
 */
export async function runHostileDumps(options: { mos: MemOS; seed: FuzzSeed; stats: FuzzStats; sqlitePath?: string; rounds?: number }): Promise<void> {
  const { mos, seed, stats } = options;
  let n = 0;
  for (let round = 0; round < (options.rounds ?? 1); round++) {
    for (const edit of Object.keys(HOSTILE_DUMP_EDITS)) {
      const dir = join(seed.scratch, `hostile-${++n}`);
      writeHostileDump(seed, edit, seed.items[n % 3]!, dir);
      const input = { userId: seed.other, dir, cubeId: `fz-hostile-${n}` };
      const victimBefore = await storeSnapshot({ mos, userId: seed.owner });
      const outcome = await checkCall({ mos, seed, entry: `loadCube (${edit})`, input, call: () => mos.loadCube(input), stats, ...(options.sqlitePath ? { sqlitePath: options.sqlitePath } : {}) });
      const invalid = outcome === 'ok' ? await exploit(mos, seed.other, input.cubeId) : [];
      if (invalid.length > 0) stats.violations.push({ kind: 'invalid-accepted', entry: `loadCube (${edit})`, input: dir, detail: `loaded items the API rejects as input: ${invalid.join(', ')}` });
      if (outcome === 'ok' && (await storeSnapshot({ mos, userId: seed.owner })) !== victimBefore) {
        stats.violations.push({ kind: 'victim-changed', entry: `loadCube (${edit})`, input: dir, detail: `loading the dump changed ${seed.owner}'s items, history or audit` });
      }
    }
  }
}
