import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../spec/scheduler.ts';
import { SqliteConnection } from './sqlite-connection.ts';
import { createSqliteJobQueue } from './sqlite-job-queue.ts';

const CHILD = fileURLToPath(new URL('./sqlite-job-queue-child.ts', import.meta.url));

function child(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--conditions=memos-source', '--no-warnings', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(proc: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stderr })));
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'memos-jobq-proc-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite job queue across processes', () => {
  it('survives a SIGKILL: every acknowledged job runs exactly once after restart; the dead worker\'s running job is re-queued after its lease', async () => {
    const db = join(dir, 'q.db');
    const proc = child(['enqueue', db]);
    const done = exited(proc);
    const acked: string[] = [];
    let hang = '';
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      proc.on('exit', () => reject(new Error('child exited early')));
      proc.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const [tag, id] = line.split(' ');
          if (tag === 'hang') hang = String(id);
          if (tag === 'ack') acked.push(String(id));
        }
        if (acked.length >= 150 && proc.exitCode === null) {
          proc.kill('SIGKILL');
          resolve();
        }
      });
    });
    const { code } = await done;
    expect(code).toBeNull();
    expect(hang).not.toBe('');

    const connection = new SqliteConnection({ path: db });
    const queue = createSqliteJobQueue({ connection, concurrency: 4, pollMs: 10 });
    await queue.setup();
    const ran: Job[] = [];
    queue.start({ work: async (job) => void ran.push(job), hang: async (job) => void ran.push(job) });
    await queue.flush({ timeoutMs: 20_000 });
    const ids = ran.map((job) => job.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of acked) expect(ids).toContain(id);
    // At most the one job the child committed but was killed before acknowledging.
    expect(ids.length - acked.length - 1).toBeLessThanOrEqual(1);
    expect(ran.find((job) => job.id === hang)?.attempts).toBe(2);
    expect(await queue.stats()).toMatchObject({ queued: 0, running: 0, failed: 0, done: ids.length });
    await queue.close();
  }, 40_000);

  it('two processes claiming from one SQLite queue never run a job twice', async () => {
    const db = join(dir, 'q.db');
    const log = join(dir, 'runs.log');
    const connection = new SqliteConnection({ path: db });
    const queue = createSqliteJobQueue({ connection, maxQueued: 10_000 });
    await queue.setup();
    const enqueued: string[] = [];
    for (let i = 0; i < 400; i += 1) enqueued.push((await queue.enqueue({ kind: 'work', payload: { i } })).id);
    await queue.close();
    const results = await Promise.all([exited(child(['work', db, log])), exited(child(['work', db, log]))]);
    for (const result of results) expect(result).toMatchObject({ code: 0 });
    const runs = readFileSync(log, 'utf8').trim().split('\n');
    expect(runs.length).toBe(400);
    expect(new Set(runs).size).toBe(400);
    expect([...runs].sort()).toEqual([...enqueued].sort());
    const check = createSqliteJobQueue({ connection: new SqliteConnection({ path: db }) });
    await check.setup();
    expect(await check.stats()).toMatchObject({ queued: 0, running: 0, done: 400 });
    await check.close();
  }, 40_000);
});
