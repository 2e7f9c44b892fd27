import { z } from 'zod';
import { ClosedError } from '../errors/closed-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import { ActorScope } from '../governance/actor-scope.ts';
import type { ForgetEvent } from '../governance/forget-hook.ts';
import type { AddInput, SearchInput } from '../mos/mos-inputs.ts';
import type { GraphStore, Logger, MemoryItem, SearchResult } from '../spec/index.ts';
import type { LanguageModelPort } from '../spec/language-model-port.ts';
import type {
  Job, JobQueue, SchedulerEventMap, SchedulerEventName, SchedulerStatus, WorkingMemorySnapshot,
} from '../spec/scheduler.ts';
import { DEFAULT_MIN_SCORE, isAssistantMemory } from '../retrieval/relevant-memories.ts';
import { WorkingMemory, type WorkingMemoryChange, type WorkingMemoryOptions } from './working-memory.ts';

/** What the scheduler calls on the MOS (as the job's user: every call is access-checked there). */
export interface SchedulerHost {
  graph: () => GraphStore;
  search: (input: SearchInput) => Promise<SearchResult>;
  add: (input: AddInput) => Promise<{ items: MemoryItem[] }>;
}

/** Options of the `scheduler` MOS option. */
export interface MemSchedulerOptions {
  /** The job queue (default: the storage's store-persisted queue; an in-process one for `custom` storages). */
  queue?: JobQueue;
  workingMemory?: WorkingMemoryOptions;
  /** Results per prefetch search (default 10). */
  prefetchTopK?: number;
  /** Search hits under this fused score are not admitted to working memory (default 0.5, the injection floor `DEFAULT_MIN_SCORE`). */
  minScore?: number;
  /**
   * Whether memories whose every source is the assistant (its own replies) are admitted. Default
   * false: the middleware does not inject them, so they would only take room and move the version.
   */
  admitAssistant?: boolean;
  /**
   * Optional intent step: before a prefetch the model says whether new retrieval is needed and for
   * what (`{ "retrieve": boolean, "queries": string[] }`, validated; bad output falls back to
   * retrieval on the query and answer, with a warning).
   */
  languageModel?: LanguageModelPort;
  /** Most sessions kept in memory (least recently used go first). Default 1,000. */
  maxSessions?: number;
}

/** Input of {@link MemScheduler.afterTurn}. */
export interface AfterTurnInput {
  userId: string;
  sessionId: string;
  /** Cubes to retrieve from (default: every cube the user may read). */
  cubeIds?: string[];
  query: string;
  answer?: string;
}

/** Input of {@link MemScheduler.enqueue}: a turn write (`mos.add` as that user, in the background). */
export interface EnqueueTurnWriteInput {
  kind: 'turn-write';
  userId: string;
  sessionId: string;
  /** The `mos.add` input without `userId` and `sessionId`. */
  add: Omit<AddInput, 'userId' | 'sessionId'>;
  dedupeKey?: string;
}

type Listener<K extends SchedulerEventName> = (event: SchedulerEventMap[K]) => void;

const intentSchema = z.object({
  retrieve: z.boolean(),
  queries: z.array(z.string().min(1).max(500)).max(5).default([]),
}).strict();

const INTENT_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['retrieve', 'queries'],
  properties: { retrieve: { type: 'boolean' }, queries: { type: 'array', maxItems: 5, items: { type: 'string' } } },
};

const id = z.string().min(1).max(512);
const turnSchema = z.object({ userId: id, sessionId: id, cubeIds: z.array(id).max(100).optional(), query: z.string().max(20_000), answer: z.string().max(100_000).optional() }).strict();
const refSchema = z.object({ userId: id, sessionId: id }).strict();
const pinSchema = z.object({ userId: id, sessionId: id, id }).strict();

function parse<T>(schema: z.ZodType<T>, input: unknown, name: string): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ValidationError(`${name}${issue?.path.length ? `.${issue.path.join('.')}` : ''}`, issue?.message ?? 'invalid');
  }
  return result.data;
}

/**
 * The MemScheduler (`mos.scheduler`): per-session working memory kept ready for the next turn,
 * the background job queue (turn writes, prefetch) and the events and counters around them.
 *
 * Working memory lives in this process (per user and session, least recently used sessions
 * dropped over `maxSessions`); after a restart it is rebuilt by the next turns' prefetches. Its
 * stable block is rebuilt sparingly (see {@link WorkingMemory}): admission each turn, a new block
 * when the conversation has doubled, so a provider's prompt cache keeps the history.
 */
export class MemScheduler {
  readonly queue: JobQueue;
  readonly #host: SchedulerHost;
  readonly #logger: Logger;
  readonly #options: MemSchedulerOptions;
  readonly #sessions = new Map<string, WorkingMemory>();
  readonly #listeners = new Map<SchedulerEventName, Set<(event: never) => void>>();
  readonly #counters: Record<string, number> = {
    turns: 0, prefetches: 0, jobsStarted: 0, jobsDone: 0, jobsFailed: 0, workingMemoryChanges: 0, intentCalls: 0, intentInvalid: 0, intentSkipped: 0,
  };
  #state: 'new' | 'started' | 'closed' = 'new';

  constructor(options: { queue: JobQueue; host: SchedulerHost; logger: Logger; scheduler?: MemSchedulerOptions }) {
    this.queue = options.queue;
    this.#host = options.host;
    this.#logger = options.logger;
    this.#options = options.scheduler ?? {};
    new WorkingMemory('check', 'check', this.#options.workingMemory); // validates the options now
  }

  /** Sets the queue up and starts its workers (the MOS calls it in `setup()`). */
  async start(): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('MemScheduler', 'closed');
    if (this.#state === 'started') return;
    await this.queue.setup();
    this.queue.start({
      'turn-write': (job) => this.#wrap(job, () => this.#turnWrite(job)),
      prefetch: (job) => this.#wrap(job, () => this.#prefetch(job)),
    });
    this.#state = 'started';
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends SchedulerEventName>(event: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => void set.delete(listener as (event: never) => void);
  }

  /** Emits an event (the activation memory emits the `cache-*` events through it). A throwing listener is logged, never propagated. */
  emit<K extends SchedulerEventName>(event: K, payload: SchedulerEventMap[K]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as Listener<K>)(payload);
      } catch (error) {
        this.#logger.warn('scheduler event listener threw', { event, error: String(error) });
      }
    }
  }

  /** The session's working memory, holding only items of cubes the user may read now. */
  async workingMemory(input: { userId: string; sessionId: string }): Promise<WorkingMemorySnapshot> {
    const { userId, sessionId } = parse(refSchema, input, 'workingMemory');
    const scope = await ActorScope.resolve(this.#host.graph(), userId);
    const wm = this.#sessions.get(key(userId, sessionId));
    if (wm === undefined) return { userId, sessionId, version: 0, entries: [] };
    const before = wm.snapshot();
    const entries = [...before.entries, ...(before.pending ?? [])];
    const readable = await this.#readableCubes(scope, entries.map((e) => e.item.cubeId));
    const visible = entries.filter((e) => readable.has(e.item.cubeId)).map((e) => e.item.id);
    const fresh = new Map((await this.#host.graph().getItems(visible, { cubeIds: [...readable] })).map((item) => [item.id, item]));
    // Deleted, forgotten or no longer readable since they were admitted: dropped (the version moves).
    const dropped = entries.map((e) => e.item.id).filter((itemId) => !fresh.has(itemId) || fresh.get(itemId)?.status === 'deleted');
    if (dropped.length > 0) this.#emitChange(wm, wm.remove(dropped));
    // Updated since they were admitted: the block shows the current text (and the version moves with it).
    this.#emitChange(wm, wm.refresh([...fresh.values()]));
    const snapshot = wm.snapshot();
    const current = (list: WorkingMemorySnapshot['entries']) => list.flatMap((e) => (fresh.has(e.item.id) ? [{ ...e, item: fresh.get(e.item.id) as MemoryItem }] : []));
    return { ...snapshot, entries: current(snapshot.entries), pending: current(snapshot.pending ?? []) };
  }

  /**
   * Records a finished turn and schedules the background prefetch for the next one (a `prefetch`
   * job, one per session at a time: a newer turn replaces a still queued prefetch). `flush({ sessionId })` waits for it.
   */
  async afterTurn(input: AfterTurnInput): Promise<Job> {
    const parsed = parse(turnSchema, input, 'afterTurn');
    this.#ensure();
    await ActorScope.resolve(this.#host.graph(), parsed.userId);
    this.#counters['turns'] = (this.#counters['turns'] ?? 0) + 1;
    this.#session(parsed.userId, parsed.sessionId);
    return this.queue.enqueue({
      kind: 'prefetch', userId: parsed.userId, sessionId: parsed.sessionId, dedupeKey: `prefetch:${key(parsed.userId, parsed.sessionId)}`,
      payload: { query: parsed.query, ...(parsed.answer !== undefined ? { answer: parsed.answer } : {}), ...(parsed.cubeIds ? { cubeIds: parsed.cubeIds } : {}) },
    });
  }

  /** Pins an item (the user must be able to read it) so it is never evicted. */
  async pin(input: { userId: string; sessionId: string; id: string }): Promise<WorkingMemorySnapshot> {
    const parsed = parse(pinSchema, input, 'pin');
    const scope = await ActorScope.resolve(this.#host.graph(), parsed.userId);
    const [item] = await this.#host.graph().getItems([parsed.id], { cubeIds: (await scope.cubes('read')).map((c) => c.id) });
    if (item === undefined || item.status === 'deleted') throw new NotFoundError('memory', parsed.id);
    const wm = this.#session(parsed.userId, parsed.sessionId);
    this.#emitChange(wm, wm.pin(item));
    return this.workingMemory({ userId: parsed.userId, sessionId: parsed.sessionId });
  }

  /** Unpins an item (it stays until evicted). */
  async unpin(input: { userId: string; sessionId: string; id: string }): Promise<WorkingMemorySnapshot> {
    const parsed = parse(pinSchema, input, 'unpin');
    await ActorScope.resolve(this.#host.graph(), parsed.userId);
    const wm = this.#sessions.get(key(parsed.userId, parsed.sessionId));
    if (wm !== undefined) this.#emitChange(wm, wm.unpin(parsed.id));
    return this.workingMemory({ userId: parsed.userId, sessionId: parsed.sessionId });
  }

  /**
   * Queues a turn write (`mos.add` as `userId`, in the background); resolves once it is persisted.
   * The user and, when named, write access to the cube are checked now (typed error, nothing queued).
   */
  async enqueue(input: EnqueueTurnWriteInput): Promise<Job> {
    this.#ensure();
    if (input === null || typeof input !== 'object' || input.kind !== 'turn-write') throw new ValidationError('enqueue.kind', 'must be turn-write');
    const { userId, sessionId } = parse(refSchema, { userId: input.userId, sessionId: input.sessionId }, 'enqueue');
    if (input.add === null || typeof input.add !== 'object') throw new ValidationError('enqueue.add', 'must be an object');
    const scope = await ActorScope.resolve(this.#host.graph(), userId);
    const cubeId = (input.add as { cubeId?: unknown }).cubeId;
    if (typeof cubeId === 'string') await scope.cube(cubeId, 'write');
    return this.queue.enqueue({
      kind: 'turn-write', userId, sessionId, payload: input.add as unknown as Record<string, unknown>,
      ...(input.dedupeKey !== undefined ? { dedupeKey: input.dedupeKey } : {}),
    });
  }

  /** Waits until every job of the session (or all) queued before the call has finished: read-your-writes. */
  async flush(options: { sessionId?: string; timeoutMs?: number } = {}): Promise<void> {
    await this.queue.flush(options);
  }

  async status(): Promise<SchedulerStatus> {
    const stats = await this.queue.stats();
    return { queue: { ...stats, backend: this.queue.backend }, workingMemorySessions: this.#sessions.size, counters: { ...this.#counters } };
  }

  /**
   * The forget hook: forgotten items, cubes and users leave every working memory; a forgotten
   * user's queued and failed jobs (their payloads hold the user's text) are purged from the queue.
   */
  async onForget(event: ForgetEvent): Promise<void> {
    if (event.kind === 'user' && event.userId !== undefined && this.queue.purge !== undefined) await this.queue.purge({ userId: event.userId });
    this.#dropForgotten(event);
  }

  #dropForgotten(event: ForgetEvent): void {
    const ids = new Set(event.items.map((i) => i.id));
    for (const wm of this.#sessions.values()) {
      if (event.kind === 'user' && event.userId !== undefined && wm.userId === event.userId) {
        this.#sessions.delete(key(wm.userId, wm.sessionId));
        continue;
      }
      const changes = [wm.remove(ids)];
      if (event.cubeIds.length > 0) changes.push(wm.removeCubes(event.cubeIds));
      if (event.kind === 'user' && event.userId !== undefined) changes.push(wm.remove(wm.idsOwnedBy(event.userId)));
      this.#emitChange(wm, {
        version: wm.version, added: [], removed: changes.flatMap((c) => c.removed), changed: changes.some((c) => c.changed),
      });
    }
  }

  /** Stops the queue: `drain: true` runs what is queued first; otherwise queued jobs stay persisted. */
  async close(options: { drain?: boolean } = {}): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.queue.close({ drain: options.drain === true });
  }

  #ensure(): void {
    if (this.#state === 'closed') throw new ClosedError('MemScheduler', 'closed');
    if (this.#state === 'new') throw new ClosedError('MemScheduler', 'not set up');
  }

  #session(userId: string, sessionId: string): WorkingMemory {
    const k = key(userId, sessionId);
    let wm = this.#sessions.get(k);
    if (wm !== undefined) {
      this.#sessions.delete(k);
      this.#sessions.set(k, wm);
      return wm;
    }
    wm = new WorkingMemory(userId, sessionId, this.#options.workingMemory);
    this.#sessions.set(k, wm);
    const max = this.#options.maxSessions ?? 1000;
    while (this.#sessions.size > max) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    return wm;
  }

  #emitChange(wm: WorkingMemory, change: WorkingMemoryChange): void {
    if (!change.changed) return;
    this.#counters['workingMemoryChanges'] = (this.#counters['workingMemoryChanges'] ?? 0) + 1;
    this.emit('working-memory-change', { userId: wm.userId, sessionId: wm.sessionId, version: change.version, added: change.added, removed: change.removed });
  }

  async #readableCubes(scope: ActorScope, cubeIds: string[]): Promise<Set<string>> {
    const readable = new Set<string>();
    for (const cubeId of new Set(cubeIds)) {
      const ok = await scope.cube(cubeId, 'read').then(() => true, () => false);
      if (ok) readable.add(cubeId);
    }
    return readable;
  }

  async #wrap(job: Job, run: () => Promise<void>): Promise<void> {
    this.#counters['jobsStarted'] = (this.#counters['jobsStarted'] ?? 0) + 1;
    this.emit('job-start', { job });
    const started = performance.now();
    try {
      await run();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const willRetry = job.attempts < (job.maxAttempts ?? 1) && !(error instanceof ValidationError);
      this.#counters['jobsFailed'] = (this.#counters['jobsFailed'] ?? 0) + 1;
      this.emit('job-failed', { job, error: message, willRetry });
      throw error;
    }
    this.#counters['jobsDone'] = (this.#counters['jobsDone'] ?? 0) + 1;
    this.emit('job-end', { job, durationMs: performance.now() - started });
  }

  async #turnWrite(job: Job): Promise<void> {
    if (job.userId === undefined) throw new ValidationError('job.userId', 'a turn write needs the user');
    await this.#host.add({ ...(job.payload as unknown as Omit<AddInput, 'userId'>), userId: job.userId, ...(job.sessionId !== undefined ? { sessionId: job.sessionId } : {}) } as AddInput);
  }

  async #prefetch(job: Job): Promise<void> {
    const userId = job.userId;
    const sessionId = job.sessionId;
    if (userId === undefined || sessionId === undefined) throw new ValidationError('job', 'a prefetch needs userId and sessionId');
    const query = String(job.payload['query'] ?? '');
    const answer = typeof job.payload['answer'] === 'string' ? job.payload['answer'] : undefined;
    const cubeIds = Array.isArray(job.payload['cubeIds']) ? (job.payload['cubeIds'] as string[]) : undefined;
    const wm = this.#session(userId, sessionId);
    const turnTokens = Math.ceil((query.length + (answer?.length ?? 0)) / 4);
    let queries: { text: string; weight: number }[] = [{ text: query, weight: 1 }, ...(answer ? [{ text: answer, weight: 0.5 }] : [])];
    const intent = await this.#intent(wm, query, answer);
    if (intent !== undefined) {
      if (!intent.retrieve) {
        this.#counters['intentSkipped'] = (this.#counters['intentSkipped'] ?? 0) + 1;
        this.#emitChange(wm, wm.observe([], { turnTokens }));
        return;
      }
      if (intent.queries.length > 0) queries = [{ text: query, weight: 1 }, ...intent.queries.map((text) => ({ text, weight: 0.8 }))];
    }
    const topK = this.#options.prefetchTopK ?? 10;
    const minScore = this.#options.minScore ?? DEFAULT_MIN_SCORE;
    const admitAssistant = this.#options.admitAssistant === true;
    const groups = [];
    for (const q of queries) {
      if (q.text.trim() === '') continue;
      const result = await this.#host.search({ userId, query: q.text.slice(0, 4000), topK, ...(cubeIds ? { cubeIds } : {}) });
      const admitted = result.hits.filter((h) => h.score >= minScore && (admitAssistant || !isAssistantMemory(h.item)));
      groups.push({ weight: q.weight, candidates: admitted.map((h) => ({ item: h.item, score: h.score })) });
    }
    this.#counters['prefetches'] = (this.#counters['prefetches'] ?? 0) + 1;
    this.#emitChange(wm, wm.observe(groups, { turnTokens }));
  }

  async #intent(wm: WorkingMemory, query: string, answer: string | undefined): Promise<z.infer<typeof intentSchema> | undefined> {
    const model = this.#options.languageModel;
    if (model === undefined) return undefined;
    this.#counters['intentCalls'] = (this.#counters['intentCalls'] ?? 0) + 1;
    const { entries, pending = [] } = wm.snapshot();
    const held = [...entries, ...pending].map((e, i) => `${i + 1}. ${e.item.text.slice(0, 300)}`).join('\n') || '(empty)';
    try {
      const response = await model.generate({
        system:
          'You decide whether a memory assistant must retrieve new memories before the next turn. Given the turn and the notes already held, ' +
          'answer with JSON {"retrieve": boolean, "queries": string[]}: retrieve=false when the held notes suffice; otherwise up to 3 short search queries for the missing evidence.',
        messages: [{ role: 'user', content: `Held notes:\n${held}\n\nUser: ${query.slice(0, 4000)}\nAssistant: ${(answer ?? '').slice(0, 4000)}` }],
        jsonSchema: INTENT_JSON_SCHEMA, temperature: 0, maxOutputTokens: 200,
      });
      const text = response.text.trim().replace(/^```(?:json)?\s*|\s*```$/g, '');
      const result = intentSchema.safeParse(JSON.parse(text));
      if (!result.success) throw new ValidationError('intent', result.error.issues[0]?.message ?? 'invalid');
      return result.data;
    } catch (error) {
      this.#counters['intentInvalid'] = (this.#counters['intentInvalid'] ?? 0) + 1;
      this.#logger.warn('scheduler intent step: unusable model output, retrieving as without a model', { model: model.id, error: String(error).slice(0, 200) });
      return undefined;
    }
  }
}

function key(userId: string, sessionId: string): string {
  return `${userId}\u0000${sessionId}`;
}
