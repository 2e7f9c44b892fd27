import { DependencyMissingError } from '../errors/dependency-missing-error.ts';
import { DependencyFailedError } from '../errors/dependency-failed-error.ts';

/** The `node-llama-cpp` module namespace (an optional peer dependency, loaded on first use). */
export type NodeLlamaCppModule = typeof import('node-llama-cpp');

/** Options for {@link loadNodeLlamaCpp}. */
export interface LoadNodeLlamaCppOptions {
  /** What needs the package, for the error message, e.g. `The GGUF embedder`. */
  feature: string;
  /** Loads the module; defaults to `import('node-llama-cpp')`. Injectable for tests. */
  importer?: () => Promise<unknown>;
}

/**
 * Imports `node-llama-cpp` lazily. When the package itself is not installed this throws
 * `DependencyMissingError` naming the install command; any other failure (a broken install, a
 * missing native binary) becomes a `DependencyFailedError` (code `MEMOS_DEPENDENCY_FAILED`) whose
 * `cause` is the original error.
 */
export async function loadNodeLlamaCpp(options: LoadNodeLlamaCppOptions): Promise<NodeLlamaCppModule> {
  const importer = options.importer ?? (() => import('node-llama-cpp'));
  try {
    return (await importer()) as NodeLlamaCppModule;
  } catch (error) {
    if (isMissingPackage(error, 'node-llama-cpp')) {
      throw new DependencyMissingError('node-llama-cpp', options.feature, { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new DependencyFailedError('node-llama-cpp', options.feature, reason, { cause: error });
  }
}

/** True when `error` says that `packageName` itself (not one of its dependencies) cannot be resolved. */
function isMissingPackage(error: unknown, packageName: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && (message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`));
}
