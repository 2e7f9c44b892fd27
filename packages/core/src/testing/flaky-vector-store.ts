import { StorageError } from '../errors/storage-error.ts';
import type { VectorStore } from '../spec/index.ts';

/** A real vector store behind a switch: while `down`, every call fails like an unreachable server. */
export interface FlakyVectorStore extends VectorStore {
  down: boolean;
  /** Calls refused while down. */
  refused: number;
}

/**
 * Wraps a real `VectorStore` for fault tests: while `down` is true each call throws a retryable
 * `StorageError` (as a backend does when its server is unreachable); otherwise calls go through.
 */
export function flakyVectorStore(inner: VectorStore): FlakyVectorStore {
  const wrapper: FlakyVectorStore = {
    backend: `flaky-${inner.backend}`,
    down: false,
    refused: 0,
    setup: () => inner.setup(),
    close: () => inner.close(),
    upsert: (r) => guard(() => inner.upsert(r)),
    query: (r) => guard(() => inner.query(r)),
    delete: (r) => guard(() => inner.delete(r)),
    deleteCube: (r) => guard(() => inner.deleteCube(r)),
    listIds: (r) => guard(() => inner.listIds(r)),
    get: (r) => guard(() => inner.get(r)),
  };
  async function guard<T>(call: () => Promise<T>): Promise<T> {
    if (wrapper.down) {
      wrapper.refused += 1;
      throw new StorageError(inner.backend, 'request', 'connection refused (fault injected)', { isRetryable: true });
    }
    return call();
  }
  return wrapper;
}
