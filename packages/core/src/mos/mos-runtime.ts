import type { MemReader } from '../extraction/index.ts';
import type { AuditLog } from '../governance/audit-log.ts';
import type { ForgetHook } from '../governance/forget-hook.ts';
import type { Redactor } from '../governance/redactor.ts';
import type { MemoryContext } from '../memory/textual/memory-context.ts';
import type { HybridSearchConfig } from '../retrieval/hybrid-search.ts';
import type { MemosLimits } from './limits.ts';
import type { MemCubeConfig } from '../spec/index.ts';
import { EmbedderMismatchError } from '../errors/embedder-mismatch-error.ts';

/** What the MOS services share: the memory context and the runtime's configuration. */
export interface MosRuntime {
  ctx: MemoryContext;
  reader: MemReader;
  searchConfig: HybridSearchConfig;
  /** Count accesses of returned search hits. */
  trackAccess: boolean;
  /** Schema version of cubes created by this runtime. */
  schemaVersion: number;
  /** Input size limits (also applied to dumps being loaded). */
  limits: MemosLimits;
  /** Redaction before storage (undefined: off). */
  redactor?: Redactor | undefined;
  /** The audit trail of reads. */
  audit: AuditLog;
  /** Told after each `forget` (shared list: components may add theirs). */
  forgetHooks: ForgetHook[];
  /** Server-side directory that every dump/load dir must resolve inside (undefined: no restriction). */
  dumpRoot?: string | undefined;
}

/** Current time as an ISO string. */
export function nowIso(rt: MosRuntime): string {
  return rt.ctx.now().toISOString();
}

/** A cube's vectors are comparable only with the embedder it was built with. */
export function assertEmbedder(rt: MosRuntime, cube: MemCubeConfig): void {
  const current = rt.ctx.embedder.fingerprint;
  if (cube.embedder.fingerprint !== current) throw new EmbedderMismatchError(cube.id, cube.embedder.fingerprint, current);
}
