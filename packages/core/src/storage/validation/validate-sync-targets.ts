import { ValidationError } from '../../errors/validation-error.ts';
import type { ItemVersionRef } from '../../spec/graph-store.ts';

/**
 * Checks the targets of `GraphStore.setVectorSyncState`: each is an id (a string) or an
 * `{ id, version }` with a non-empty id and an integer version >= 1.
 */
export function validateSyncTargets(targets: unknown): asserts targets is (string | ItemVersionRef)[] {
  if (!Array.isArray(targets)) throw new ValidationError('ids', 'must be an array of ids or { id, version } objects');
  targets.forEach((target: unknown, i) => {
    if (typeof target === 'string') return;
    const ref = (typeof target === 'object' && target !== null ? target : {}) as Record<string, unknown>;
    if (typeof ref['id'] !== 'string' || ref['id'].length === 0) throw new ValidationError(`ids[${i}].id`, 'must be a non-empty string');
    const version = ref['version'];
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
      throw new ValidationError(`ids[${i}].version`, 'must be an integer >= 1');
    }
  });
}
