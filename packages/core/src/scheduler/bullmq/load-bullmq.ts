import { DependencyMissingError } from '../../errors/dependency-missing-error.ts';
import { DependencyFailedError } from '../../errors/dependency-failed-error.ts';

/** The `bullmq` module namespace (an optional peer dependency, loaded on first use). */
export type BullmqModule = typeof import('bullmq');

/**
 * Imports `bullmq` lazily. When the package is not installed this throws `DependencyMissingError`
 * naming the install command (`npm install bullmq`); any other failure becomes a `DependencyFailedError`
 * whose `cause` is the original error.
 *
 * @param importer loads the module; defaults to `import('bullmq')`. Injectable for tests.
 */
export async function loadBullmq(importer: () => Promise<unknown> = () => import('bullmq')): Promise<BullmqModule> {
  try {
    return (await importer()) as BullmqModule;
  } catch (error) {
    if (isMissingPackage(error, 'bullmq')) throw new DependencyMissingError('bullmq', 'The BullMQ job queue', { cause: error });
    const reason = error instanceof Error ? error.message : String(error);
    throw new DependencyFailedError('bullmq', 'The BullMQ job queue', reason, { cause: error });
  }
}

/** True when `error` says that `packageName` itself (not one of its dependencies) cannot be resolved. */
function isMissingPackage(error: unknown, packageName: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && (message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`));
}
