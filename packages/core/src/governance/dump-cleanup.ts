import { readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DUMP_FILES, DUMP_FORMAT } from '../cube/dump-format.ts';
import type { GraphStore } from '../spec/index.ts';

/*
 * Dumps the runtime wrote are registered in the store (`recordDump`), so that forgetting can reach
 * them: a forgotten cube's dumps are removed, and so is every dump of a cube that contains a
 * forgotten item (a dump is one consistent export: it is removed whole rather than rewritten).
 * Only registered directories are touched, and only when they still look like a dump.
 */

/** Removes the files of one dump directory: the whole directory when its manifest says it is a dump, else only dump file names. */
async function removeDumpDir(dir: string): Promise<void> {
  let isDump = false;
  try {
    const manifest = JSON.parse(await readFile(join(dir, DUMP_FILES.manifest), 'utf8')) as { format?: unknown };
    isDump = manifest.format === DUMP_FORMAT;
  } catch {
    isDump = false; // missing or unreadable manifest: remove only the files a dump consists of
  }
  if (isDump) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  for (const name of Object.values(DUMP_FILES)) await rm(join(dir, name), { force: true });
  await rmdir(dir).catch(() => undefined); // kept when something else lives there
}

/** Whether any file of the dump mentions one of the ids. */
async function dumpMentions(dir: string, ids: ReadonlySet<string>): Promise<boolean> {
  for (const name of Object.values(DUMP_FILES)) {
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    for (const id of ids) if (text.includes(`"${id}"`)) return true;
  }
  return false;
}

/** Removes every registered dump of the cubes and their registrations; returns the directories removed. */
export async function removeCubeDumps(graph: GraphStore, cubeIds: readonly string[]): Promise<string[]> {
  if (cubeIds.length === 0) return [];
  const dumps = await graph.listDumps({ cubeIds: [...cubeIds] });
  for (const dump of dumps) await removeDumpDir(dump.dir);
  await graph.removeDumps(dumps.map((d) => d.dir));
  return dumps.map((d) => d.dir);
}

/** Removes the registered dumps of `cubeId` that contain any of `ids`; returns the directories removed. */
export async function removeDumpsContaining(graph: GraphStore, cubeId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const wanted = new Set(ids);
  const removed: string[] = [];
  for (const dump of await graph.listDumps({ cubeIds: [cubeId] })) {
    if (!(await dumpMentions(dump.dir, wanted))) continue;
    await removeDumpDir(dump.dir);
    removed.push(dump.dir);
  }
  await graph.removeDumps(removed);
  return removed;
}
