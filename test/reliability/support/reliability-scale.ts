/**
 * Sizes of the reliability cases: small in `npm test`, scaled up by `bench/reliability.ts`
 * (or by `MEMOS_RELIABILITY_SCALE=<factor>` for a longer test run).
 */

/** The scale factor from `MEMOS_RELIABILITY_SCALE` (default 1); read when called, never at import. */
export function reliabilityScale(): number {
  const raw = process.env['MEMOS_RELIABILITY_SCALE'];
  const value = raw === undefined ? 1 : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : 1;
}

/** Seed of every generated sequence (`MEMOS_RELIABILITY_SEED`, default 9). */
export function reliabilitySeed(): number {
  const raw = process.env['MEMOS_RELIABILITY_SEED'];
  return raw === undefined || !Number.isInteger(Number(raw)) ? 9 : Number(raw);
}
