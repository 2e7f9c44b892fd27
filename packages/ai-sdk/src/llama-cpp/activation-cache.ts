import { rm } from 'node:fs/promises';
import { ActivationMismatchError, MemosError, ValidationError } from '@memos-js/core';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import type { ActivationEntry, ActivationStore } from './activation-store.ts';
import { activationKey, tokensHash, type ModelFingerprint } from './model-fingerprint.ts';
import type { StablePrefix } from './stable-prefix.ts';

/** An activation cache event (`onEvent` of the model). */
export type ActivationEvent =
  | { type: 'cache-hit'; key: string; tokens: number; source: 'sequence' | 'file'; ms: number }
  | { type: 'cache-miss'; key: string; tokens: number; reason: 'absent' | 'mismatch' | 'too-long'; error?: ActivationMismatchError }
  | { type: 'cache-build'; key: string; tokens: number; bytes: number; ms: number; evaluateMs: number; saveMs: number; path: string }
  | { type: 'cache-evict'; key: string; bytes: number; path: string };

/** Counters of the activation cache. */
export interface ActivationStats {
  /** Prefixes found evaluated, in the sequence (`sequenceHits`) or in a state file (`fileHits`). */
  hits: number;
  sequenceHits: number;
  fileHits: number;
  /** Prefixes with no usable state (absent or refused). */
  misses: number;
  /** States refused because their header or tokens did not match the key (counted in `misses` too). */
  mismatches: number;
  /** States evaluated and saved. */
  builds: number;
  /** States removed by the size cap. */
  evictions: number;
}

/** What preparing a prefix did. */
export interface PreparedPrefix {
  key: string;
  /** The prefix's tokens, without the beginning token the completion prepends. */
  body: Token[];
  /** Tokens written to a new state (0 on a hit). */
  written: number;
  entry?: ActivationEntry;
}

/** The activation cache bound to one context sequence. */
export interface ActivationCache {
  readonly stats: ActivationStats;
  /**
   * Makes the sequence start with the evaluated prefix: already there, restored from its state file,
   * or evaluated and saved (then evicting beyond the size cap). `undefined` (a `too-long` miss) when the
   * prefix and the `restTokens` after it do not fit the context without `LlamaCompletion` cutting the
   * prompt's start (its default context-shift room, a tenth of the context): the call then runs uncached.
   */
  prepare(prefix: StablePrefix, restTokens: number): Promise<PreparedPrefix | undefined>;
  /** Makes sure a verified state file of the prefix exists (building it when absent or refused); leaves the sequence holding the prefix when it built it. */
  warm(prefix: StablePrefix): Promise<{ entry: ActivationEntry; built: boolean }>;
}

interface ActivationCacheOptions {
  store: ActivationStore;
  fingerprint: ModelFingerprint;
  sequence: LlamaContextSequence;
  /** The beginning token `LlamaCompletion` prepends to every input, if any. */
  beginningToken: Token | null;
  tokenize(text: string): Token[];
  onEvent?: ((event: ActivationEvent) => void) | undefined;
}

/** Tokens a warmed prefix must leave for the rest of a prompt. */
const MIN_ROOM = 64;

/** Creates the activation cache of a sequence (internal to `createLlamaCppLanguageModel`). */
export function createActivationCache(options: ActivationCacheOptions): ActivationCache {
  const { store, fingerprint, sequence } = options;
  const stats: ActivationStats = { hits: 0, sequenceHits: 0, fileHits: 0, misses: 0, mismatches: 0, builds: 0, evictions: 0 };
  const emit = (event: ActivationEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // An observer's failure never fails the generation.
    }
  };

  async function build(key: string, hash: string, tokens: Token[], prefix: StablePrefix): Promise<ActivationEntry> {
    const started = performance.now();
    const common = commonPrefix(sequence.contextTokens, tokens);
    if (sequence.nextTokenIndex > common) await sequence.eraseContextTokenRanges([{ start: common, end: sequence.nextTokenIndex }]);
    if (common < tokens.length) await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(common));
    const evaluated = performance.now();
    const held = sequence.contextTokens;
    if (held.length !== tokens.length || commonPrefix(held, tokens) !== tokens.length) {
      // Never save a state that is not exactly the prefix (e.g. after a context shift).
      throw new ActivationMismatchError(store.statePath(key), 'tokens', `${tokens.length} prefix tokens`, `${held.length} evaluated tokens`);
    }
    await store.ensureDir();
    const temp = store.tempPath(key);
    let committed: Awaited<ReturnType<ActivationStore['commit']>>;
    try {
      await sequence.saveStateToFile(temp);
      committed = await store.commit({ key, fingerprint, prefixHash: hash, tokens: tokens.length, memoryIds: prefix.memoryIds, cubeIds: prefix.cubeIds }, temp);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const { entry, evicted } = committed;
    stats.builds += 1;
    const done = performance.now();
    emit({ type: 'cache-build', key, tokens: tokens.length, bytes: entry.bytes, ms: done - started, evaluateMs: evaluated - started, saveMs: done - evaluated, path: entry.path });
    for (const item of evicted) {
      stats.evictions += 1;
      emit({ type: 'cache-evict', key: item.key, bytes: item.bytes, path: item.path });
    }
    return entry;
  }

  /** Longest prompt LlamaCompletion keeps whole (it leaves a tenth of the context for context shifts by default). */
  function promptLimit(): number {
    return sequence.contextSize - Math.max(1, Math.floor(sequence.contextSize / 10));
  }

  function keyOf(prefix: StablePrefix) {
    const body = options.tokenize(prefix.text);
    const tokens = options.beginningToken === null ? body : [options.beginningToken, ...body];
    const hash = tokensHash(tokens);
    return { body, tokens, hash, key: activationKey(fingerprint.hash, hash) };
  }

  function refused(key: string, tokens: number, error: ActivationMismatchError) {
    stats.misses += 1;
    stats.mismatches += 1;
    emit({ type: 'cache-miss', key, tokens, reason: 'mismatch', error });
  }

  return {
    stats,
    async warm(prefix) {
      const { tokens, hash, key } = keyOf(prefix);
      if (tokens.length > promptLimit() - MIN_ROOM) throw new ValidationError('createLlamaCppLanguageModel.warm.system', `the prefix (${tokens.length} tokens) leaves less than ${MIN_ROOM} tokens for the rest of a prompt in the ${sequence.contextSize}-token context`);
      try {
        const entry = await store.lookup(key, { fingerprintHash: fingerprint.hash, prefixHash: hash, tokens: tokens.length });
        if (entry !== undefined) {
          await store.touch(entry);
          return { entry, built: false };
        }
      } catch (error) {
        if (!(MemosError.isInstance(error) && error.code === 'MEMOS_ACTIVATION_MISMATCH')) throw error;
        refused(key, tokens.length, error as ActivationMismatchError);
        await store.remove(key);
      }
      return { entry: await build(key, hash, tokens, prefix), built: true };
    },

    async prepare(prefix, restTokens) {
      const { body, tokens, hash, key } = keyOf(prefix);
      if (tokens.length + restTokens > promptLimit()) {
        stats.misses += 1;
        emit({ type: 'cache-miss', key, tokens: tokens.length, reason: 'too-long' });
        return undefined;
      }
      const started = performance.now();
      if (commonPrefix(sequence.contextTokens, tokens) === tokens.length) {
        stats.hits += 1;
        stats.sequenceHits += 1;
        emit({ type: 'cache-hit', key, tokens: tokens.length, source: 'sequence', ms: performance.now() - started });
        return { key, body, written: 0 };
      }
      let entry: ActivationEntry | undefined;
      let mismatch: ActivationMismatchError | undefined;
      try {
        entry = await store.lookup(key, { fingerprintHash: fingerprint.hash, prefixHash: hash, tokens: tokens.length });
        if (entry !== undefined) {
          try {
            await sequence.loadStateFromFile(entry.path, { acceptRisk: true });
          } catch (error) {
            // A state that passed its header check but cannot be read (e.g. corrupted): refused, rebuilt.
            await sequence.clearHistory();
            throw new ActivationMismatchError(entry.path, 'state', 'a loadable state', `a failed load (${(error as Error)?.message ?? String(error)})`);
          }
          // The state file carries its tokens: a second check that it holds exactly this prefix.
          const loaded = sequence.contextTokens;
          if (loaded.length !== tokens.length || commonPrefix(loaded, tokens) !== tokens.length) {
            await sequence.clearHistory();
            throw new ActivationMismatchError(entry.path, 'tokens', `${tokens.length} prefix tokens`, `${loaded.length} other tokens`);
          }
        }
      } catch (error) {
        if (!(MemosError.isInstance(error) && error.code === 'MEMOS_ACTIVATION_MISMATCH')) throw error;
        mismatch = error as ActivationMismatchError;
        entry = undefined;
        await store.remove(key);
      }
      if (entry !== undefined) {
        await store.touch(entry);
        stats.hits += 1;
        stats.fileHits += 1;
        emit({ type: 'cache-hit', key, tokens: tokens.length, source: 'file', ms: performance.now() - started });
        return { key, body, written: 0, entry };
      }
      if (mismatch) refused(key, tokens.length, mismatch);
      else {
        stats.misses += 1;
        emit({ type: 'cache-miss', key, tokens: tokens.length, reason: 'absent' });
      }
      const built = await build(key, hash, tokens, prefix);
      return { key, body, written: tokens.length, entry: built };
    },
  };
}

function commonPrefix(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i += 1;
  return i;
}
