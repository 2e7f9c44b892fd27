import type { VectorStore } from '../spec/index.ts';

/** The calls of a vector store that {@link interceptedVectorStore} can hold up. */
export type InterceptedCall = 'upsert' | 'delete' | 'listIds';

/** A real vector store whose next call of a kind first runs a test's callback (a racing write, say). */
export interface InterceptedVectorStore extends VectorStore {
  /**
   * Runs `action` at the start of the next `call` (once), before the call reaches the real store;
   * the call waits for it. Calls made by `action` itself go straight through.
   */
  interceptNext(call: InterceptedCall, action: () => Promise<void>): void;
  /** Interceptions armed and not yet run. */
  readonly armed: number;
}

/**
 * Wraps a real `VectorStore` for race tests: `interceptNext('upsert', () => mos.update(...))` makes
 * the next upsert wait while a concurrent change commits, reproducing "the item changed between
 * being read and its vector being written" deterministically.
 */
export function interceptedVectorStore(inner: VectorStore): InterceptedVectorStore {
  const pending = new Map<InterceptedCall, () => Promise<void>>();
  let running = false;
  const hold = async <T>(call: InterceptedCall, run: () => Promise<T>): Promise<T> => {
    const action = running ? undefined : pending.get(call);
    if (action) {
      pending.delete(call);
      running = true;
      try {
        await action();
      } finally {
        running = false;
      }
    }
    return run();
  };
  return {
    backend: `intercepted-${inner.backend}`,
    get armed() {
      return pending.size;
    },
    interceptNext: (call, action) => void pending.set(call, action),
    setup: () => inner.setup(),
    close: () => inner.close(),
    upsert: (r) => hold('upsert', () => inner.upsert(r)),
    query: (r) => inner.query(r),
    delete: (r) => hold('delete', () => inner.delete(r)),
    deleteCube: (r) => inner.deleteCube(r),
    listIds: (r) => hold('listIds', () => inner.listIds(r)),
    get: (r) => inner.get(r),
  };
}
