import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { DumpFormatError } from '../errors/dump-format-error.ts';
import { InputTooLargeError } from '../errors/input-too-large-error.ts';

/** Size limits of one dump file. */
export interface DumpFileLimits {
  /** Bytes in the file; reading stops as soon as more have been read. */
  maxBytes: number;
  /** Non-blank lines in the file. */
  maxLines: number;
  /** Bytes in one line; a longer line is refused before it is held whole. */
  maxLineBytes: number;
}

/** One parsed line. */
export interface DumpLine {
  /** 1-based line number (for error messages). */
  line: number;
  value: unknown;
}

const NEWLINE = 0x0a;

/**
 * Streams a JSON Lines file of a dump: bounded bytes per file and per line, bounded line count,
 * strict UTF-8, no lone surrogates, no `__proto__` keys. Blank lines are skipped; the last line
 * may lack its newline. Errors never quote the file's content (it is untrusted and may be a file
 * the caller should not read): `InputTooLargeError` past a limit, `DumpFormatError` otherwise.
 * With `optional`, a missing file yields no lines.
 */
export async function* readDumpLines(options: { path: string; limits: DumpFileLimits; optional?: boolean }): AsyncGenerator<DumpLine> {
  const { path, limits } = options;
  const field = `dump.${basename(path)}`;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (options.optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new DumpFormatError(path, 'missing or unreadable', { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new DumpFormatError(path, 'is not a regular file');
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let bytes = 0;
    let lineNo = 0;
    let lines = 0;
    const finish = (parts: Buffer[]): DumpLine | undefined => {
      lineNo += 1;
      const raw = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      let text: string;
      try {
        text = decoder.decode(raw);
      } catch (error) {
        throw new DumpFormatError(path, `line ${lineNo} is not valid UTF-8`, { cause: error });
      }
      if (text.trim() === '') return undefined;
      if (++lines > limits.maxLines) throw new InputTooLargeError(`${field} lines`, limits.maxLines, lines);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new DumpFormatError(path, `line ${lineNo} is not JSON`, { cause: error });
      }
      const problem = unsafeValue(value);
      if (problem) throw new DumpFormatError(path, `line ${lineNo}: ${problem}`);
      return { line: lineNo, value };
    };
    for await (const chunk of handle.createReadStream({ highWaterMark: 64 * 1024, autoClose: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) throw new InputTooLargeError(`${field} bytes`, limits.maxBytes, bytes);
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        const piece = chunk.subarray(start, nl);
        if (pendingBytes + piece.length > limits.maxLineBytes) throw new InputTooLargeError(`${field} line ${lineNo + 1} bytes`, limits.maxLineBytes, pendingBytes + piece.length);
        const parsed = finish([...pending, piece]);
        pending = [];
        pendingBytes = 0;
        start = nl + 1;
        if (parsed) yield parsed;
      }
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > limits.maxLineBytes) throw new InputTooLargeError(`${field} line ${lineNo + 1} bytes`, limits.maxLineBytes, pendingBytes);
      if (rest.length > 0) pending.push(Buffer.from(rest));
    }
    if (pendingBytes > 0) {
      const parsed = finish(pending);
      if (parsed) yield parsed;
    }
  } finally {
    await handle.close();
  }
}

const MAX_DEPTH = 16;

/**
 * Why a parsed JSON value is unsafe to hand to the schemas, or undefined: a `__proto__` key (a
 * later plain assignment would change an object's prototype), a string with a lone surrogate, or
 * nesting deeper than any dump line has. Iterative, so a deep value cannot overflow the stack.
 */
export function unsafeValue(value: unknown): string | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current === 'string') {
      if (!current.isWellFormed()) return 'a string is not well-formed Unicode (lone surrogate)';
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
    if (Array.isArray(current)) {
      for (const entry of current) stack.push([entry, depth + 1]);
      continue;
    }
    for (const key of Object.keys(current)) {
      if (key === '__proto__') return 'a key is "__proto__"';
      if (!key.isWellFormed()) return 'a key is not well-formed Unicode (lone surrogate)';
      stack.push([(current as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return undefined;
}
