import { DependencyFailedError, DependencyMissingError } from '@memos-js/core';

/** The node-llama-cpp module. */
export type NodeLlamaCpp = typeof import('node-llama-cpp');

/**
 * Imports the optional peer dependency `node-llama-cpp` on first use; a missing package becomes
 * a `DependencyMissingError` that names the install command, any other load failure (a broken
 * install, a missing native binary) a `DependencyFailedError` with the original error as `cause`.
 * `importer` exists for tests.
 */
export async function loadNodeLlamaCpp(feature: string, importer: () => Promise<NodeLlamaCpp> = () => import('node-llama-cpp')): Promise<NodeLlamaCpp> {
  try {
    return await importer();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new DependencyMissingError('node-llama-cpp', feature, { cause: error });
    throw new DependencyFailedError('node-llama-cpp', feature, error instanceof Error ? error.message : String(error), { cause: error });
  }
}
