/**
 * Seedless, fixed 32-bit string hashing for feature hashing (the hashing trick).
 *
 * FNV-1a over UTF-16 code units, finished with murmur3's `fmix32` avalanche so every output
 * bit depends on every input bit (plain FNV-1a has weak low bits on short inputs, and the
 * bucket index comes from low bits). The constants are fixed forever: changing them changes
 * every lexical vector, so it would need a new fingerprint version.
 */

/** FNV-1a 32-bit offset basis. */
export const FNV_OFFSET_BASIS = 0x811c9dc5;
/** FNV-1a 32-bit prime. */
export const FNV_PRIME = 0x01000193;

/** Continues an FNV-1a hash state with the UTF-16 code units of `text[start..end)`. */
export function fnv1aUpdate(state: number, text: string, start = 0, end = text.length): number {
  let h = state;
  for (let i = start; i < end; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** Continues an FNV-1a hash state with one code unit (used for separators and family tags). */
export function fnv1aUpdateCode(state: number, code: number): number {
  return Math.imul(state ^ code, FNV_PRIME) >>> 0;
}

/** murmur3 finaliser: a bijective avalanche on 32 bits. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of a whole string: `fmix32(FNV-1a(text))`, an unsigned 32-bit integer. */
export function hashString(text: string): number {
  return fmix32(fnv1aUpdate(FNV_OFFSET_BASIS, text));
}
