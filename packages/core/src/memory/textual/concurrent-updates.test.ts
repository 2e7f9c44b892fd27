import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemOS, type MemOS } from '../../mos.ts';
import { countRetries, findLostUpdates, runItemUpdates, type UpdateWriterReport } from '../../testing/concurrent-item-updates.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'memos-concurrent-'));
  dirs.push(dir);
  return dir;
}

/** A SQLite file with user `alice`, one cube and `count` items (version 1 each). */
async function seed(path: string, count: number): Promise<string[]> {
  const mos = createMemOS({ storage: { kind: 'sqlite', path }, vectorRetry: false });
  await mos.setup();
  await mos.createUser({ id: 'alice', name: 'Alice' });
  await mos.createCube({ userId: 'alice', id: 'shared', name: 'shared' });
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push(...(await mos.add({ userId: 'alice', cubeId: 'shared', text: `note ${i} about the garden` })).items.map((item) => item.id));
  await mos.close();
  return ids;
}

async function verify(path: string, ids: string[], reports: UpdateWriterReport[]): Promise<string[]> {
  const mos = createMemOS({ storage: { kind: 'sqlite', path }, vectorRetry: false });
  await mos.setup();
  try {
    return await findLostUpdates({ mos, userId: 'alice', ids, acknowledged: reports.flatMap((r) => r.acknowledged) });
  } finally {
    await mos.close();
  }
}

/** A child process script: its own MemOS on the file, the same updates as its sibling, a JSON report on stdout. */
function childScript(dir: string): string {
  const src = fileURLToPath(new URL('../../', import.meta.url));
  const script = join(dir, 'writer.ts');
  writeFileSync(
    script,
    [
      `import { createMemOS } from ${JSON.stringify(pathToFileURL(join(src, 'index.ts')).href)};`,
      `import { countRetries, runItemUpdates } from ${JSON.stringify(pathToFileURL(join(src, 'testing/concurrent-item-updates.ts')).href)};`,
      'const [path, writer, idsJson, rounds, startAt] = process.argv.slice(2);',
      'const retry = countRetries({ attempts: 30 });',
      'const mos = createMemOS({ storage: { kind: "sqlite", path }, vectorRetry: false, trackAccess: false, conflictRetry: retry });',
      'await mos.setup();',
      // Both children start their writes at the same instant (not when each finished loading).
      'await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));',
      'const report = await runItemUpdates({ mos, userId: "alice", ids: JSON.parse(idsJson), rounds: Number(rounds), writer });',
      'await mos.close();',
      'process.stdout.write(JSON.stringify({ ...report, retries: retry.retries() }));',
    ].join('\n'),
  );
  return script;
}

function runChild(args: string[]): Promise<UpdateWriterReport & { retries: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=memos-source', '--no-warnings', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`writer exited with ${code}: ${err}`));
      else resolve(JSON.parse(out) as UpdateWriterReport & { retries: number });
    });
  });
}

describe('concurrent updates of the same items: nothing lost, versions strictly 1..n', () => {
  it('two MemOS runtimes on one SQLite file in one process', async () => {
    const path = join(scratch(), 'memos.db');
    const ids = await seed(path, 6);
    const retries = [countRetries({ attempts: 30 }), countRetries({ attempts: 30 })];
    const runtimes: MemOS[] = retries.map((conflictRetry) => createMemOS({ storage: { kind: 'sqlite', path }, vectorRetry: false, trackAccess: false, conflictRetry }));
    for (const mos of runtimes) await mos.setup();
    const reports = await Promise.all(runtimes.map((mos, w) => runItemUpdates({ mos, userId: 'alice', ids, rounds: 8, writer: `runtime-${w}` })));
    for (const mos of runtimes) await mos.close();
    expect(reports.flatMap((r) => r.failures)).toStrictEqual([]);
    expect(reports.map((r) => r.conflicts)).toStrictEqual([0, 0]);
    expect(reports.flatMap((r) => r.acknowledged)).toHaveLength(2 * 8 * ids.length);
    // The runtimes did race (each saw the other's commits and retried), and every update survived.
    expect(retries[0]!.retries() + retries[1]!.retries()).toBeGreaterThan(0);
    expect(await verify(path, ids, reports)).toStrictEqual([]);
  });

  it('two processes on one SQLite file (busy timeout, BEGIN IMMEDIATE, version checks)', async () => {
    const dir = scratch();
    const path = join(dir, 'memos.db');
    const ids = await seed(path, 5);
    const script = childScript(dir);
    const startAt = String(Date.now() + 4_000);
    const reports = await Promise.all(['process-a', 'process-b'].map((writer) => runChild([script, path, writer, JSON.stringify(ids), '10', startAt])));
    expect(reports.flatMap((r) => r.failures)).toStrictEqual([]);
    expect(reports.map((r) => r.conflicts)).toStrictEqual([0, 0]);
    expect(reports.flatMap((r) => r.acknowledged)).toHaveLength(2 * 10 * ids.length);
    expect(await verify(path, ids, reports)).toStrictEqual([]);
    // Reported for the record: how often the processes lost a race and re-applied their change.
    console.info(`two processes: ${reports.map((r) => r.retries).join(' + ')} conflicts retried`);
  }, 120_000);

  it('a runtime whose retries run out surfaces ConflictError and writes nothing for that update', async () => {
    const path = join(scratch(), 'memos.db');
    const [id] = await seed(path, 1);
    const a = createMemOS({ storage: { kind: 'sqlite', path }, vectorRetry: false, conflictRetry: { attempts: 1 } });
    const b = createMemOS({ storage: { kind: 'sqlite', path }, vectorRetry: false });
    await a.setup();
    await b.setup();
    // b commits between a's read and a's write: a's embedder call is the window.
    const embed = a.embedder.embed.bind(a.embedder);
    let raced = false;
    a.embedder.embed = async (texts) => {
      if (!raced) {
        raced = true;
        await b.update({ userId: 'alice', id: id as string, text: 'b got there first' });
      }
      return embed(texts);
    };
    const error = await a.update({ userId: 'alice', id: id as string, text: 'a is too late' }).catch((e: unknown) => e);
    expect((error as { code?: string; reason?: string }).code).toBe('MEMOS_CONFLICT');
    expect((error as { reason?: string }).reason).toBe('version-mismatch');
    const history = await b.history({ userId: 'alice', id: id as string });
    expect(history.map((v) => [v.version, v.snapshot.text])).toStrictEqual([
      [1, 'note 0 about the garden'],
      [2, 'b got there first'],
    ]);
    // With retries (the default), the same race ends in a re-applied change on top of b's.
    a.embedder.embed = embed;
    const c = createMemOS({ storage: { kind: 'sqlite', path }, vectorRetry: false });
    await c.setup();
    raced = false;
    const embedC = c.embedder.embed.bind(c.embedder);
    c.embedder.embed = async (texts) => {
      if (!raced) {
        raced = true;
        await b.update({ userId: 'alice', id: id as string, text: 'b again' });
      }
      return embedC(texts);
    };
    const updated = await c.update({ userId: 'alice', id: id as string, text: 'c after a retry' });
    expect(updated.version).toBe(4);
    expect((await c.history({ userId: 'alice', id: id as string })).map((v) => v.snapshot.text)).toStrictEqual([
      'note 0 about the garden',
      'b got there first',
      'b again',
      'c after a retry',
    ]);
    for (const mos of [a, b, c]) await mos.close();
  });
});
