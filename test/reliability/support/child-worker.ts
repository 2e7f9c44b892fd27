/**
 * Starts a worker script of test/reliability/workers/ as a child process (`node
 * --conditions=memos-source`, the way the repository runs TypeScript sources) and collects its
 * stdout lines as they come.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** A running worker. */
export interface ChildWorker {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves when the worker printed READY (rejects if it exits first). */
  ready: Promise<void>;
  /** Resolves when it exited. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** Starts `workers/<name>.ts` with `config` as its JSON argument; `onLine` sees each stdout line at once. */
export function startWorker(name: 'update-worker' | 'add-worker', config: object, onLine?: (line: string) => void): ChildWorker {
  const child = spawn(process.execPath, ['--conditions=memos-source', join(ROOT, 'test', 'reliability', 'workers', `${name}.ts`), JSON.stringify(config)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((res, rej) => {
    markReady = res;
    failReady = rej;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    if (line === 'READY') markReady();
    onLine?.(line);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) => {
    child.on('exit', (code, signal) => {
      // stdout may still hold lines after 'exit'; 'close' fires once every stream ended.
      child.on('close', () => res({ code, signal, stderr }));
      failReady(new Error(`worker ${name} exited (${code ?? signal}) before READY: ${stderr.slice(-2_000)}`));
    });
  });
  return { child, lines, ready, exit };
}

/** The JSON payloads of the worker's `<TAG> <json>` lines. */
export function taggedLines<T>(lines: string[], tag: string): T[] {
  return lines.filter((l) => l.startsWith(`${tag} `)).map((l) => JSON.parse(l.slice(tag.length + 1)) as T);
}
