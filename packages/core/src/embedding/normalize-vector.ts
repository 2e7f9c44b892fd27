/**
 * The vector used for text with nothing to embed (empty or whitespace-only): every component
 * `1/sqrt(dimension)`. It is a valid unit vector, so cosine is always defined (never NaN), and
 * its cosine with a real signed-hash or model vector is close to 0.
 */
export function nullVector(dimension: number): number[] {
  return new Array<number>(dimension).fill(1 / Math.sqrt(dimension));
}

/**
 * Returns `vector / ||vector||` as a plain array of the same length. A vector that is all zeros
 * or holds a non-finite value gives {@link nullVector} instead, so callers never see NaN.
 */
export function l2Normalize(vector: ArrayLike<number>): number[] {
  const length = vector.length;
  let squares = 0;
  for (let i = 0; i < length; i++) squares += (vector[i] ?? 0) ** 2;
  if (!(squares > 0) || !Number.isFinite(squares)) return nullVector(length);
  const scale = 1 / Math.sqrt(squares);
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) out[i] = (vector[i] ?? 0) * scale;
  return out;
}
