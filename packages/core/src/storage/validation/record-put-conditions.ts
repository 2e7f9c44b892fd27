import { ConflictError } from '../../errors/conflict-error.ts';
import { ValidationError } from '../../errors/validation-error.ts';
import type { PutCubeExpectation } from '../../spec/graph-store.ts';

// Conditions of `GraphStore.putCube` / `putUser` and the ConflictErrors every backend throws for
// them, checked and worded identically (backend-neutral).

/**
 * The `expect` of `putCube` options, checked (undefined: unconditional). A compare-and-set must
 * write a new `updatedAt`: with the same one, a later writer that read either record would pass.
 */
export function cubePutCondition(options: unknown, cube: { updatedAt?: unknown }): PutCubeExpectation | undefined {
  const expectation = putOptions(options)['expect'];
  if (expectation === undefined || expectation === 'absent') return expectation;
  const updatedAt = typeof expectation === 'object' && expectation !== null ? (expectation as Record<string, unknown>)['updatedAt'] : undefined;
  if (typeof updatedAt !== 'string' || updatedAt.length === 0) {
    throw new ValidationError('putCube.expect', "must be 'absent' or { updatedAt: <the stored cube's updatedAt> }");
  }
  if (cube.updatedAt === updatedAt) throw new ValidationError('cube.updatedAt', 'must differ from the expected updatedAt of a compare-and-set');
  return { updatedAt };
}

/** The `expect` of `putUser` options, checked (undefined: unconditional). */
export function userPutCondition(options: unknown): 'absent' | undefined {
  const expectation = putOptions(options)['expect'];
  if (expectation === undefined || expectation === 'absent') return expectation;
  throw new ValidationError('putUser.expect', "must be 'absent' or absent");
}

function putOptions(options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
  return options as Record<string, unknown>;
}

/** A create-only put found the id in use (a cube being deleted still counts). */
export function duplicateRecord(entity: 'cube' | 'user', id: string): ConflictError {
  const what = entity === 'cube' ? 'Cube' : 'User';
  return new ConflictError(entity, id, `${what} ${id} already exists`, { reason: 'duplicate' });
}

/** A compare-and-set put of a cube found another `updatedAt` (undefined: the cube is gone or being deleted). */
export function staleCube(id: string, expected: string, actual: string | undefined): ConflictError {
  const message =
    actual === undefined
      ? `Cube ${id} was expected at updatedAt ${expected} but is not stored (deleted meanwhile)`
      : `Cube ${id} was expected at updatedAt ${expected} but is at ${actual} (changed by another writer)`;
  return new ConflictError('cube', id, message, { reason: 'version-mismatch' });
}
