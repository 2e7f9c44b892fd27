import { ConflictError } from '../../errors/conflict-error.ts';

// The ConflictErrors every backend's write path throws, worded identically (backend-neutral).

/** The stored item is not at the version the write expected (0: absent / must not exist). */
export function versionMismatch(id: string, expectedVersion: number, actualVersion: number): ConflictError {
  const message =
    expectedVersion === 0
      ? `Memory ${id} already exists (at version ${actualVersion}); a create expects no stored item`
      : actualVersion === 0
        ? `Memory ${id} was expected at version ${expectedVersion} but is not stored`
        : `Memory ${id} was expected at version ${expectedVersion} but is at version ${actualVersion} (changed by another writer)`;
  return new ConflictError('memory', id, message, { reason: 'version-mismatch', expectedVersion, actualVersion });
}

/** A version row of (item id, version) is already stored, or twice in the batch: version rows are insert-only. */
export function duplicateVersion(itemId: string, version: number): ConflictError {
  return new ConflictError('version', `${itemId}@${version}`, `Version ${version} of memory ${itemId} already exists (version rows are insert-only)`, {
    reason: 'duplicate',
  });
}

/** An audit record with this id is already stored, or twice in the batch: the audit trail is append-only. */
export function duplicateAudit(id: string): ConflictError {
  return new ConflictError('audit', id, `Audit record ${id} already exists (the audit trail is append-only)`, { reason: 'duplicate' });
}
