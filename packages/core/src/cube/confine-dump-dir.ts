import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ValidationError } from '../errors/validation-error.ts';
import { DUMP_FILES } from './dump-format.ts';

/** Options of {@link confineDumpDir}. */
export interface ConfineDumpDirOptions {
  /** The server-side dump root (`createMemOS({ dumps: { root } })`): an existing directory. */
  root: string;
  /** The directory a caller asked to dump to or load from; a relative one is taken relative to the root. */
  dir: string;
  /**
   * `load`: also check the dump's files that exist in the directory: one that is a symbolic link
   * must lead inside the root too. `dump`: only the directory.
   */
  purpose: 'dump' | 'load';
}

/**
 * Resolves a dump directory inside the configured root, or refuses it with
 * `ValidationError('dir', ...)` before anything is read or written. The path is resolved the way
 * the file system will follow it: the longest existing part through `realpath` (every symbolic
 * link followed, `..` applied after it), the rest appended; the result must lie strictly inside
 * the real root (the root itself is refused: a dump is written next to its directory first). A
 * dangling symbolic link on the way is refused (it could be pointed anywhere later). Returns the
 * resolved path, which the dump or load then uses, so what was checked is what is opened.
 * Error messages never name the server's paths.
 */
export async function confineDumpDir(options: ConfineDumpDirOptions): Promise<string> {
  const root = await realRoot(options.root);
  const { dir } = options;
  if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\0')) throw new ValidationError('dir', 'must be a non-empty path');
  const target = await resolveReal(resolve(options.root, dir));
  if (!inside(root, target)) throw new ValidationError('dir', 'must resolve inside the configured dump root (no .. or symbolic link may lead out of it)');
  if (options.purpose === 'load') {
    for (const name of Object.values(DUMP_FILES)) {
      const path = join(target, name);
      const entry = await lstat(path).catch(() => undefined);
      if (entry?.isSymbolicLink() !== true) continue;
      const real = await realpath(path).catch(() => undefined);
      if (real === undefined || !inside(root, real)) throw new ValidationError('dir', `${name} is a symbolic link that leads out of the configured dump root`);
    }
  }
  return target;
}

/** Checks the `dumps` option of `createMemOS` (`ValidationError('dumps.root')`); the root must exist when a dump or load runs. */
export function validateDumpsOption(dumps: unknown): void {
  const root = typeof dumps === 'object' && dumps !== null ? (dumps as Record<string, unknown>)['root'] : undefined;
  if (typeof root !== 'string' || root.length === 0 || root.includes('\0')) throw new ValidationError('dumps.root', 'must be a non-empty path');
}

async function realRoot(root: string): Promise<string> {
  if (typeof root !== 'string' || root.length === 0) throw new ValidationError('dumps.root', 'must be a non-empty path');
  const real = await realpath(resolve(root)).catch(() => undefined);
  const isDir = real === undefined ? false : await stat(real).then((s) => s.isDirectory(), () => false);
  if (real === undefined || !isDir) throw new ValidationError('dumps.root', 'must be an existing directory');
  return real;
}

/** `path` as the file system resolves it: realpath of its longest existing ancestor, plus the missing rest. */
async function resolveReal(path: string): Promise<string> {
  const missing: string[] = [];
  for (let current = path; ; ) {
    try {
      const real = await realpath(current);
      return missing.length === 0 ? real : join(real, ...missing.reverse());
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== 'ENOENT') throw new ValidationError('dir', `cannot be resolved (${String(code)})`);
      // realpath fails on a dangling link too: an entry that exists but cannot be followed is refused.
      if (await lstat(current).then(() => true, () => false)) throw new ValidationError('dir', 'contains a symbolic link that leads nowhere');
      const parent = dirname(current);
      if (parent === current) throw new ValidationError('dir', 'cannot be resolved');
      missing.push(basename(current));
      current = parent;
    }
  }
}

/** Whether `path` is strictly below `root` (both absolute and resolved). */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
