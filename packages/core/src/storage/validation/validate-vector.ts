import { ValidationError } from '../../errors/validation-error.ts';
import type { EmbedderInfo } from '../../spec/mem-cube.ts';

/** Largest vector dimension sqlite-vec accepts. */
export const MAX_VECTOR_DIMENSION = 8192;

/** Checks an embedder space: non-empty fingerprint, positive integer dimension. */
export function validateSpace(space: EmbedderInfo, field = 'space'): void {
  if (typeof space !== 'object' || space === null) throw new ValidationError(field, 'must be an object');
  if (typeof space.fingerprint !== 'string' || space.fingerprint.length === 0) {
    throw new ValidationError(`${field}.fingerprint`, 'must be a non-empty string');
  }
  if (!Number.isSafeInteger(space.dimension) || space.dimension < 1) {
    throw new ValidationError(`${field}.dimension`, 'must be a positive integer');
  }
}

/**
 * Checks a vector: an array of `dimension` finite numbers that is not all zeros (a zero vector has
 * no cosine similarity; embedders return L2-normalised vectors).
 */
export function validateVector(vector: unknown, dimension: number, field: string): asserts vector is number[] {
  if (!Array.isArray(vector)) throw new ValidationError(field, 'must be an array of numbers');
  if (vector.length !== dimension) throw new ValidationError(field, `has dimension ${vector.length}, the space has ${dimension}`);
  let norm = 0;
  for (const value of vector) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValidationError(field, 'must contain only finite numbers');
    norm += value * value;
  }
  if (norm === 0 || Math.fround(Math.sqrt(norm)) === 0) throw new ValidationError(field, 'must not be the zero vector');
}

/** The vector as float32 (how it is stored and compared). */
export function toFloat32(vector: readonly number[]): Float32Array {
  return Float32Array.from(vector);
}
