import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ActivationMismatchError, ValidationError, type ForgetHook } from '@memos-js/core';
import type { ModelFingerprint } from './model-fingerprint.ts';

/** Options of {@link createActivationStore}. */
export interface ActivationStoreOptions {
  /** Folder of the state files (`<key>.kv`) and their headers (`<key>.json`); created on first write. */
  dir: string;
  /** Size cap of all state files together, in bytes; the least recently used are evicted beyond it. */
  maxBytes: number;
}

/** The header saved next to a state file: its full key and provenance. */
export interface ActivationEntry {
  format: typeof FORMAT;
  /** Cache key: sha256 of the fingerprint hash and the prefix hash. */
  key: string;
  /** The model configuration the state was evaluated with. */
  fingerprint: ModelFingerprint;
  /** sha256 of the prefix tokens (see `tokensHash`). */
  prefixHash: string;
  /** Number of tokens in the state. */
  tokens: number;
  /** Size of the state file in bytes. */
  bytes: number;
  /** Absolute path of the state file (the payload reference of the activation item). */
  path: string;
  /** Memory items the prefix was composed from (for `forget`). */
  memoryIds: string[];
  /** Cubes of those memories (for `forget` of a cube or user). */
  cubeIds: string[];
  createdAt: string;
  /** Last build or load (LRU order). */
  lastUsedAt: string;
}

/** What a lookup must match. */
export interface ActivationExpectation {
  fingerprintHash: string;
  prefixHash: string;
  tokens: number;
}

/** An on-disk LRU of saved KV states with verified headers. */
export interface ActivationStore {
  readonly dir: string;
  readonly maxBytes: number;
  /** Where the state of `key` lives (whether or not it exists). */
  statePath(key: string): string;
  /** A fresh temporary path (unique per call, so concurrent builders never share one) to save a new state of `key` to, before {@link ActivationStore.commit} (see {@link ActivationStore.ensureDir}). */
  tempPath(key: string): string;
  /** Creates the folder (idempotent). */
  ensureDir(): Promise<void>;
  /**
   * The verified header of `key`, or `undefined` when there is none. A header (or state file) that
   * does not match `expected` throws {@link ActivationMismatchError}; the caller must not load it.
   */
  lookup(key: string, expected: ActivationExpectation): Promise<ActivationEntry | undefined>;
  /** Moves a state saved at `tempPath` (from {@link ActivationStore.tempPath}) in place, writes its header, then evicts beyond `maxBytes`. Returns the evicted entries. */
  commit(entry: Omit<ActivationEntry, 'format' | 'path' | 'bytes' | 'createdAt' | 'lastUsedAt'>, tempPath: string): Promise<{ entry: ActivationEntry; evicted: ActivationEntry[] }>;
  /** Marks an entry as used now (LRU). */
  touch(entry: ActivationEntry): Promise<void>;
  /** Removes the state and header of `key` (no error when absent). */
  remove(key: string): Promise<void>;
  /** Every valid header in the folder, least recently used first. */
  list(): Promise<ActivationEntry[]>;
  /** Removes the states built from any of these memories or cubes; returns the removed entries. */
  removeBuiltFrom(from: { memoryIds?: readonly string[]; cubeIds?: readonly string[] }): Promise<ActivationEntry[]>;
}

const FORMAT = 'memos-activation/1';
const KEY = /^[0-9a-f]{64}$/;
const FEATURE = 'activationCache';

/**
 * Creates the on-disk store of an activation cache. Each state is a `<key>.kv` file written by
 * node-llama-cpp's `saveStateToFile`, with a `<key>.json` header holding the key's parts (model
 * fingerprint, prefix hash, token count, size) and its provenance; a header is written only after its
 * state file is complete (rename), so a crash leaves no header pointing to a partial state.
 */
export function createActivationStore(options: ActivationStoreOptions): ActivationStore {
  if (typeof options.dir !== 'string' || options.dir.length === 0) throw new ValidationError(`${FEATURE}.dir`, 'must be a non-empty path');
  if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 1) throw new ValidationError(`${FEATURE}.maxBytes`, 'must be a positive integer');
  const dir = resolve(options.dir);
  const headerPath = (key: string) => join(dir, `${checkKey(key)}.json`);
  const statePath = (key: string) => join(dir, `${checkKey(key)}.kv`);

  async function readHeader(key: string): Promise<ActivationEntry | undefined> {
    let raw: string;
    try {
      raw = await readFile(headerPath(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ActivationMismatchError(statePath(key), 'format', FORMAT, 'a header that is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null) throw new ActivationMismatchError(statePath(key), 'format', FORMAT, 'a header that is not an object');
    return parsed as ActivationEntry;
  }

  async function writeHeader(entry: ActivationEntry): Promise<void> {
    const path = headerPath(entry.key);
    const temp = `${path}.${process.pid}-${randomUUID()}.tmp`;
    await writeFile(temp, JSON.stringify(entry));
    await rename(temp, path);
  }

  const store: ActivationStore = {
    dir,
    maxBytes: options.maxBytes,
    statePath,
    tempPath: (key) => `${statePath(key)}.${process.pid}-${randomUUID()}.tmp`,

    async ensureDir() {
      await mkdir(dir, { recursive: true });
    },

    async lookup(key, expected) {
      const entry = await readHeader(key);
      const path = statePath(key);
      if (entry === undefined) return undefined;
      const check = (field: string, want: unknown, got: unknown) => {
        if (want !== got) throw new ActivationMismatchError(path, field, String(want), String(got));
      };
      check('format', FORMAT, entry.format);
      check('key', key, entry.key);
      check('fingerprint', expected.fingerprintHash, entry.fingerprint?.hash);
      check('prefix', expected.prefixHash, entry.prefixHash);
      check('tokens', expected.tokens, entry.tokens);
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        await rm(headerPath(key), { force: true });
        return undefined;
      }
      check('size', entry.bytes, size);
      return { ...entry, path };
    },

    async commit(partial, tempPath) {
      await mkdir(dir, { recursive: true });
      const path = statePath(partial.key);
      await rename(tempPath, path);
      const now = new Date().toISOString();
      const entry: ActivationEntry = { format: FORMAT, ...partial, path, bytes: (await stat(path)).size, createdAt: now, lastUsedAt: now };
      await writeHeader(entry);
      const evicted: ActivationEntry[] = [];
      const all = await store.list();
      let total = all.reduce((sum, item) => sum + item.bytes, 0);
      for (const item of all) {
        if (total <= options.maxBytes) break;
        await store.remove(item.key);
        total -= item.bytes;
        evicted.push(item);
      }
      return { entry, evicted };
    },

    async touch(entry) {
      const current = await readHeader(entry.key);
      if (current === undefined) return;
      // Strictly increasing, so two uses within one millisecond still order correctly.
      const now = Math.max(Date.now(), Date.parse(current.lastUsedAt) + 1);
      await writeHeader({ ...current, lastUsedAt: new Date(now).toISOString() });
    },

    async remove(key) {
      await rm(headerPath(key), { force: true });
      await rm(statePath(key), { force: true });
    },

    async list() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const entries: ActivationEntry[] = [];
      for (const name of names) {
        const key = name.endsWith('.json') ? name.slice(0, -5) : '';
        if (!KEY.test(key)) continue;
        const entry = await readHeader(key).catch(() => undefined);
        if (entry?.format === FORMAT && entry.key === key) entries.push({ ...entry, path: statePath(key) });
      }
      return entries.sort((a, b) => a.lastUsedAt.localeCompare(b.lastUsedAt) || a.key.localeCompare(b.key));
    },

    async removeBuiltFrom(from) {
      const memoryIds = new Set(from.memoryIds ?? []);
      const cubeIds = new Set(from.cubeIds ?? []);
      const removed: ActivationEntry[] = [];
      for (const entry of await store.list()) {
        if (entry.memoryIds.some((id) => memoryIds.has(id)) || entry.cubeIds.some((id) => cubeIds.has(id))) {
          await store.remove(entry.key);
          removed.push(entry);
        }
      }
      return removed;
    },
  };
  return store;
}

/**
 * A forget hook (`createMemOS({ forgetHooks: [createActivationForgetHook(store)] })`) that removes the
 * saved states built from forgotten memories: the forgotten items' ids, and for a cube or user the
 * cubes removed whole.
 */
export function createActivationForgetHook(store: ActivationStore): ForgetHook {
  return async (event) => {
    await store.removeBuiltFrom({ memoryIds: event.items.map((item) => item.id), cubeIds: event.cubeIds });
  };
}

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new ValidationError(`${FEATURE}.key`, 'must be a sha256 hex digest');
  return key;
}
