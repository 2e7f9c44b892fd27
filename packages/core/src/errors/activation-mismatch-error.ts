import { MemosError } from './memos-error.ts';

/**
 * A saved activation (KV state) was about to be loaded under another key than the one it was built
 * for: another model file, context size, adapter set, prompt format, or another prefix. The state is
 * not loaded (loading a state into another model can crash the process or silently produce wrong
 * text); callers treat it as a cache miss and rebuild.
 */
export class ActivationMismatchError extends MemosError {
  /** Path of the refused state file. */
  readonly path: string;
  /** Which part of the key differs (`format`, `fingerprint`, `prefix`, `size`, `tokens`). */
  readonly field: string;
  /** The value the caller expected. */
  readonly expected: string;
  /** The value found in the state's header (or the state itself). */
  readonly actual: string;

  constructor(path: string, field: string, expected: string, actual: string) {
    super('MEMOS_ACTIVATION_MISMATCH', `Activation state ${JSON.stringify(path)} was built for another ${field} (expected ${expected}, found ${actual}); it was not loaded`);
    this.path = path;
    this.field = field;
    this.expected = expected;
    this.actual = actual;
  }
}
