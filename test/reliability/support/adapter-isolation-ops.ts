/**
 * The operations of the adapter-isolation property as plain data that fast-check generates:
 * every choice (actor, cube, target item, words, marker) is an index resolved at run time against
 * what exists then, so any sequence is meaningful.
 */
import fc from 'fast-check';

/** Operations issued through an adapter (`share` is an owner's MOS call). */
export const ADAPTER_OPS = [
  'share', 'retriever', 'lcSearch', 'lcAdd', 'lcUpdate', 'lcForget', 'chatAdd', 'chatGet', 'chatClear', 'memoryLoad', 'memorySave',
  'storePut', 'storeGet', 'storeSearch', 'storeDelete', 'recallNode', 'rememberNode', 'agent', 'aiMiddleware',
  'aiSearch', 'aiAdd', 'aiUpdate', 'aiForget',
] as const;
export type AdapterOpKind = (typeof ADAPTER_OPS)[number];

/** One generated operation: every choice is an index resolved against what exists at run time. */
export interface AdapterOp {
  kind: AdapterOpKind;
  actor: number;
  cube: number;
  target: number;
  words: number;
  marker: number | null;
  access: 'read' | 'write' | 'none';
}

/** Seeded, bounded sequences of adapter operations. */
export function adapterIsolationSequences(options: { seed: number; runs: number; opsPerRun: number; users: number }): AdapterOp[][] {
  const pick = fc.nat({ max: 10_000 });
  const kind = fc.oneof({ weight: 4, arbitrary: fc.constant('share' as const) }, { weight: ADAPTER_OPS.length, arbitrary: fc.constantFrom(...ADAPTER_OPS) });
  const op: fc.Arbitrary<AdapterOp> = fc.record({
    kind, actor: fc.nat({ max: options.users - 1 }), cube: pick, target: pick, words: pick,
    marker: fc.option(pick, { nil: null, freq: 2 }), access: fc.constantFrom('read' as const, 'read' as const, 'write' as const, 'none' as const),
  });
  return fc.sample(fc.array(op, { minLength: options.opsPerRun, maxLength: options.opsPerRun }), { seed: options.seed, numRuns: options.runs });
}
