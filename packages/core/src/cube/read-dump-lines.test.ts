import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DumpFormatError } from '../errors/dump-format-error.ts';
import { InputTooLargeError } from '../errors/input-too-large-error.ts';
import { readDumpLines, unsafeValue } from './read-dump-lines.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memos-lines-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LIMITS = { maxBytes: 10_000_000, maxLines: 100_000, maxLineBytes: 1_000_000 };

async function readAll(path: string, limits = LIMITS) {
  const out = [];
  for await (const line of readDumpLines({ path, limits })) out.push(line);
  return out;
}

describe('readDumpLines', () => {
  it('reads lines that cross chunk boundaries, multi-byte characters split between chunks included', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({ i, text: `${'ü€😀'.repeat(i % 97)}${'x'.repeat((i * 7919) % 3_000)}` }));
    const path = join(dir, 'rows.jsonl');
    // CRLF and blank lines are tolerated; the last line has no newline.
    await writeFile(path, `${rows.map((row) => JSON.stringify(row)).join('\r\n\n')}`);
    const lines = await readAll(path);
    expect(lines.map((l) => l.value)).toEqual(rows);
    expect(lines[1]!.line).toBe(3);
  });

  it('stops at the byte, line and line-size limits', async () => {
    const path = join(dir, 'rows.jsonl');
    await writeFile(path, `${'{"a":1}\n'.repeat(50)}`);
    await expect(readAll(path, { ...LIMITS, maxBytes: 100 })).rejects.toBeInstanceOf(InputTooLargeError);
    await expect(readAll(path, { ...LIMITS, maxLines: 49 })).rejects.toBeInstanceOf(InputTooLargeError);
    expect(await readAll(path, { ...LIMITS, maxLines: 50, maxLineBytes: 7 })).toHaveLength(50);
    await expect(readAll(path, { ...LIMITS, maxLineBytes: 6 })).rejects.toBeInstanceOf(InputTooLargeError);
  });

  it('never quotes the content in its errors', async () => {
    const path = join(dir, 'secret.jsonl');
    await writeFile(path, 'root:x:0:0:secret-password:/root:/bin/bash\n');
    const error = await readAll(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DumpFormatError);
    expect((error as Error).message).not.toContain('secret-password');
  });

  it('finds __proto__ keys, lone surrogates and deep nesting without recursion', () => {
    expect(unsafeValue(JSON.parse('{"a":[{"b":{"__proto__":1}}]}'))).toContain('__proto__');
    expect(unsafeValue({ a: ['ok', 'x\udc00'] })).toContain('surrogate');
    expect(unsafeValue({ ['k\ud800']: 1 })).toContain('surrogate');
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unsafeValue(deep)).toContain('nested');
    expect(unsafeValue({ constructor: 'Ferrari', text: 'a😀b', n: [1, null, true] })).toBeUndefined();
  });
});
