import { CubeAdmin } from '../cube/cube-admin.ts';
import type { MemReader } from '../extraction/index.ts';
import { AuditLog } from '../governance/audit-log.ts';
import { GovernanceService } from '../governance/governance-service.ts';
import type { Redactor } from '../governance/redactor.ts';
import { uuidV7 } from '../ids/uuid-v7.ts';
import { LifecycleService } from '../lifecycle/lifecycle-service.ts';
import { SweepTimer } from '../lifecycle/sweep-timer.ts';
import type { MemoryContext } from '../memory/textual/memory-context.ts';
import { MemoryChanges } from '../memory/textual/memory-changes.ts';
import { MemoryReads } from '../memory/textual/memory-reads.ts';
import type { HybridSearchConfig } from '../retrieval/hybrid-search.ts';
import { SearchService } from '../retrieval/search-service.ts';
import { MemScheduler, type SchedulerHost } from '../scheduler/mem-scheduler.ts';
import { createMemoryJobQueue } from '../scheduler/memory-job-queue.ts';
import type { Embedder } from '../spec/index.ts';
import { openStorage } from '../storage/open-storage.ts';
import type { MemosLimits } from './limits.ts';
import type { MemOSOptions } from './mos-options.ts';
import type { MosRuntime } from './mos-runtime.ts';
import { silentLogger } from './silent-logger.ts';
import { VectorRetry } from './vector-retry.ts';

/** The services behind the MOS facade. */
export interface MosServices {
  ctx: MemoryContext;
  /** Closes the storage. */
  close: () => Promise<void>;
  cubes: CubeAdmin;
  changes: MemoryChanges;
  reads: MemoryReads;
  search: SearchService;
  governance: GovernanceService;
  lifecycle: LifecycleService;
  retry: VectorRetry | undefined;
  /** The interval sweep (not started yet). */
  sweeper: SweepTimer | undefined;
  /** The MemScheduler (its queue started). */
  scheduler: MemScheduler;
}

/** Options of {@link openServices}: the MOS options and what the facade resolved from them. */
export interface OpenServicesOptions {
  options: MemOSOptions;
  embedder: Embedder;
  reader: MemReader;
  searchConfig: HybridSearchConfig;
  limits: MemosLimits;
  redactor: Redactor | undefined;
  schemaVersion: number;
  /** What the scheduler's jobs call on the MOS (add and search as the job's user). */
  schedulerHost: Omit<SchedulerHost, 'graph'>;
}

/**
 * Opens the configured storage (backends load lazily), sets up embedder and stores (idempotent
 * migrations), bootstraps the root user and wires the services. On failure the storage is closed.
 */
export async function openServices(input: OpenServicesOptions): Promise<MosServices> {
  const { options } = input;
  const storage = await openStorage(options.storage ?? { kind: 'sqlite', path: './.memos/memos.db' });
  const ctx: MemoryContext = {
    graph: storage.graph, vector: storage.vector, embedder: input.embedder,
    logger: options.logger ?? silentLogger, now: options.now ?? (() => new Date()), newId: options.newId ?? (() => uuidV7()),
    ...(options.conflictRetry ? { conflictRetry: options.conflictRetry } : {}),
  };
  const rt: MosRuntime = {
    ctx, reader: input.reader, searchConfig: input.searchConfig, trackAccess: options.trackAccess ?? true, schemaVersion: input.schemaVersion,
    limits: input.limits, redactor: input.redactor, audit: new AuditLog(ctx, options.audit), forgetHooks: [...(options.forgetHooks ?? [])],
    dumpRoot: options.dumps?.root,
  };
  const lifecycle = new LifecycleService(rt);
  let retry: VectorRetry | undefined;
  if (options.vectorRetry !== false) {
    const vectorRetry = new VectorRetry({ ...options.vectorRetry, logger: ctx.logger, repair: (cubeId) => lifecycle.repairForRetry(cubeId) });
    ctx.onVectorFailure = (cubeIds) => vectorRetry.schedule(cubeIds);
    retry = vectorRetry;
  }
  const interval = options.lifecycle?.sweepIntervalMs;
  const sweeper = interval === undefined ? undefined : new SweepTimer({ intervalMs: interval, logger: ctx.logger, sweep: () => lifecycle.sweep(undefined, undefined) });
  const queue = options.scheduler?.queue
    ?? (storage.createJobQueue ? await storage.createJobQueue({ logger: ctx.logger, ...options.scheduler?.queueOptions }) : createMemoryJobQueue({ logger: ctx.logger, ...options.scheduler?.queueOptions }));
  const scheduler = new MemScheduler({
    queue, logger: ctx.logger, host: { ...input.schedulerHost, graph: () => ctx.graph }, ...(options.scheduler ? { scheduler: options.scheduler } : {}),
  });
  rt.forgetHooks.push((event) => scheduler.onForget(event));
  const services: MosServices = {
    ctx, close: () => storage.close(), retry, lifecycle, sweeper, scheduler,
    cubes: new CubeAdmin(rt), changes: new MemoryChanges(rt), reads: new MemoryReads(rt), search: new SearchService(rt), governance: new GovernanceService(rt),
  };
  try {
    await input.embedder.setup?.();
    await ctx.graph.setup();
    if ((ctx.vector as unknown) !== ctx.graph) await ctx.vector.setup();
    if (options.rootUser) await services.cubes.bootstrapRoot(options.rootUser);
    await scheduler.start();
  } catch (error) {
    await scheduler.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    throw error;
  }
  return services;
}
