import { MemosError, type MemosErrorOptions } from './memos-error.ts';

const MARKER = Symbol.for('memos-js.error.dependency-failed');

/**
 * An optional dependency is installed but could not be used: it failed to load (a broken install,
 * a missing native binary) or does not export what MemOS.js needs. A package that is not
 * installed at all is a `DependencyMissingError` instead.
 */
export class DependencyFailedError extends MemosError {
  readonly [MARKER] = true;
  /** The package, e.g. `node-llama-cpp`. */
  readonly packageName: string;
  /** What needed it, e.g. `The GGUF embedder`. */
  readonly feature: string;
  /** Why it failed. */
  readonly reason: string;

  constructor(packageName: string, feature: string, reason: string, options: MemosErrorOptions = {}) {
    super('MEMOS_DEPENDENCY_FAILED', `${feature} could not load ${packageName}: ${reason}`, options);
    this.packageName = packageName;
    this.feature = feature;
    this.reason = reason;
  }

  /** True for any DependencyFailedError, even from another copy of the package. */
  static override isInstance(value: unknown): value is DependencyFailedError {
    return MemosError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[MARKER] === true;
  }
}
