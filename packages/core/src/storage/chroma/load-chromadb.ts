import { DependencyMissingError } from '../../errors/dependency-missing-error.ts';
import { DependencyFailedError } from '../../errors/dependency-failed-error.ts';

/** The `chromadb` module namespace (an optional peer dependency, loaded on first use). */
export type ChromadbModule = typeof import('chromadb');

/**
 * Imports `chromadb` lazily. When the package is not installed this throws `DependencyMissingError`
 * naming the install command; any other failure becomes a `DependencyFailedError` (code
 * `MEMOS_DEPENDENCY_FAILED`) whose `cause` is the original error.
 *
 * @param importer loads the module; defaults to `import('chromadb')`. Injectable for tests.
 */
export async function loadChromadb(importer: () => Promise<unknown> = () => import('chromadb')): Promise<ChromadbModule> {
  try {
    return (await importer()) as ChromadbModule;
  } catch (error) {
    if (isMissingPackage(error, 'chromadb')) throw new DependencyMissingError('chromadb', 'The Chroma vector store', { cause: error });
    const reason = error instanceof Error ? error.message : String(error);
    throw new DependencyFailedError('chromadb', 'The Chroma vector store', reason, { cause: error });
  }
}

/** True when `error` says that `packageName` itself (not one of its dependencies) cannot be resolved. */
function isMissingPackage(error: unknown, packageName: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && (message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`));
}
