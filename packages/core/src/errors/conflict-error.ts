import { MemosError, type MemosErrorOptions } from './memos-error.ts';

/**
 * Why an operation conflicted:
 * - `version-mismatch`: the stored item is not at the version the write expected (another writer,
 *   maybe another process, changed it first); re-read and re-apply the change.
 * - `duplicate`: the row already exists (an item id on create, a version row, an audit id) and
 *   rows of that kind are insert-only.
 * - `state`: the current state does not allow the operation (deleted, already invalidated, ...).
 */
export type ConflictReason = 'version-mismatch' | 'duplicate' | 'state';

/** Options of {@link ConflictError}. */
export interface ConflictErrorOptions extends MemosErrorOptions {
  /** Default `state`. */
  reason?: ConflictReason;
  /** The version the write expected (0: "must not exist yet"). */
  expectedVersion?: number;
  /** The version stored when the write was tried (0: the item did not exist). */
  actualVersion?: number;
}

/** The operation conflicts with existing state (duplicate id, wrong status, stale version). */
export class ConflictError extends MemosError {
  readonly entity: string;
  readonly id: string;
  /** Why it conflicted; only `version-mismatch` is worth retrying after a re-read. */
  readonly reason: ConflictReason;
  /** For `version-mismatch`: the version the write expected (0: "must not exist yet"). */
  readonly expectedVersion: number | undefined;
  /** For `version-mismatch`: the version stored at the time (0: absent). */
  readonly actualVersion: number | undefined;

  constructor(entity: string, id: string, message: string, options: ConflictErrorOptions = {}) {
    super('MEMOS_CONFLICT', message, options.cause === undefined ? {} : { cause: options.cause });
    this.entity = entity;
    this.id = id;
    this.reason = options.reason ?? 'state';
    this.expectedVersion = options.expectedVersion;
    this.actualVersion = options.actualVersion;
  }

  /** True for a ConflictError (from any copy of the package) of `reason`, when given. */
  static isConflict(value: unknown, reason?: ConflictReason): value is ConflictError {
    if (!MemosError.isInstance(value) || value.code !== 'MEMOS_CONFLICT') return false;
    return reason === undefined || (value as ConflictError).reason === reason;
  }
}
