import type {
  LanguageModelV4CallOptions, LanguageModelV4Content, LanguageModelV4FinishReason, LanguageModelV4Middleware, LanguageModelV4StreamPart,
  SharedV4ProviderMetadata,
} from '@ai-sdk/provider';
import { checkIdentityOptions, DEFAULT_ASSISTANT_WEIGHT, DEFAULT_MIN_SCORE, isAssistantMemory, relevantMemories, ValidationError } from '@memos-js/core';
import { BackgroundWrites } from './background-writes.ts';
import { formatMemories } from './format-memories.ts';
import { getSessionMemories, type SessionMemory } from './get-session-memories.ts';
import { injectMemoryBlocks } from './inject-memory-message.ts';
import { latestUserText } from './latest-user-text.ts';
import { resolveCallContext, type MemosCallContext } from './memos-call-context.ts';
import type { AfterTurnEvent, MemosErrorEvent, MemosMiddlewareOptions, WorkingMemoryRequest, WorkingMemoryView } from './memos-middleware-options.ts';
import { ANTHROPIC_CACHE_CONTROL, isAnthropicProvider, prefixHash, promptCacheKey, withPromptCacheKey } from './provider-cache-options.ts';
import { approximateTokens, selectWithinBudget } from './select-within-budget.ts';

/** The middleware returned by {@link memosMiddleware}: a V4 middleware plus control of its background writes. */
export type MemosMiddleware = LanguageModelV4Middleware & {
  /** Resolves when every turn write submitted so far has finished (never rejects: failures go to `onError`). */
  flush(): Promise<void>;
  /** Number of turn writes still running. */
  pendingWrites(): number;
};

/** What transformParams learned about a call, handed to wrapGenerate / wrapStream. */
interface Turn {
  context: MemosCallContext;
  injected: string[];
  /** Reported in `providerMetadata.memos`. */
  report: { workingMemoryVersion?: number; workingMemory: string[]; retrieved: string[]; prefixHash: string };
  userText: string;
  startedAt: Date;
}

/** Finish reasons after which the turn is not written (failed, unfinished, or a tool step of a longer turn). */
const NOT_WRITTEN: ReadonlySet<LanguageModelV4FinishReason['unified']> = new Set(['error', 'tool-calls', 'interrupted']);

/**
 * Memory for any AI SDK language model, as a V4 middleware for `wrapLanguageModel`:
 * - `transformParams` resolves the call's user and cubes (`identity`, on the server), gets
 *   the turn's memories (`retrieve`, default a hybrid search on the latest user message), keeps the
 *   best ones within `tokenBudget`, and injects them as ONE system message right after the prompt's
 *   leading system messages, in a deterministic layout (same memories, byte-identical message);
 * - `wrapGenerate` / `wrapStream` add `providerMetadata.memos.injected` (memory ids) to the result
 *   (on the `finish` part when streaming) and, once the model finished with an answer, write the
 *   latest user message and the assistant's text to `cubeId` in the background, without delaying
 *   the response. Nothing is written when the call throws, the stream carries an error part or is
 *   cancelled, or the finish reason is `error`, `interrupted` or `tool-calls` (a tool step: the turn
 *   is written by the step that answers). Await {@link MemosMiddleware.flush} to wait for writes.
 *
 * A call whose `resolve` gives `undefined` passes through untouched.
 */
export function memosMiddleware(options: MemosMiddlewareOptions): MemosMiddleware {
  const { mos } = options;
  checkIdentityOptions(options, 'memosMiddleware');
  const topK = options.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 1 || topK > mos.limits.maxTopK) throw new ValidationError('memosMiddleware.topK', `must be an integer in 1..${mos.limits.maxTopK}`);
  const tokenBudget = options.tokenBudget ?? 1000;
  if (!Number.isFinite(tokenBudget) || tokenBudget < 0) throw new ValidationError('memosMiddleware.tokenBudget', 'must be a finite number >= 0');
  const inject = options.inject ?? 'system-message';
  if (inject !== 'system-message' && inject !== 'none') throw new ValidationError('memosMiddleware.inject', "must be 'system-message' or 'none'");
  const identityOptions = { identity: options.identity, trustClientIdentity: options.trustClientIdentity };
  const placement = { workingMemory: options.placement?.workingMemory ?? 'after-system', retrieved: options.placement?.retrieved ?? 'before-last-user' };
  if (placement.workingMemory !== 'after-system' && placement.workingMemory !== 'none') throw new ValidationError('memosMiddleware.placement.workingMemory', "must be 'after-system' or 'none'");
  if (!['before-last-user', 'after-system', 'none'].includes(placement.retrieved)) throw new ValidationError('memosMiddleware.placement.retrieved', "must be 'before-last-user', 'after-system' or 'none'");
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
  if (!Number.isFinite(minScore)) throw new ValidationError('memosMiddleware.minScore', 'must be a finite number');
  const assistantWeight = options.assistantWeight ?? DEFAULT_ASSISTANT_WEIGHT;
  if (!(assistantWeight >= 0 && assistantWeight <= 1)) throw new ValidationError('memosMiddleware.assistantWeight', 'must be a number in 0..1');
  const workingMemoryTokenBudget = options.workingMemoryTokenBudget ?? 1000;
  if (!Number.isFinite(workingMemoryTokenBudget) || workingMemoryTokenBudget < 0) throw new ValidationError('memosMiddleware.workingMemoryTokenBudget', 'must be a finite number >= 0');
  // Default: the runtime's MemScheduler (read when the call runs: `mos.scheduler` exists after setup).
  const readWorkingMemory = options.workingMemory === false ? undefined
    : options.workingMemory ?? ((request: WorkingMemoryRequest) => mos.scheduler.workingMemory({ userId: request.userId, sessionId: request.sessionId }));
  const afterTurn = options.afterTurn === false ? undefined
    : options.afterTurn ?? (async (event: AfterTurnEvent) => void (await mos.scheduler.afterTurn(event)));
  const providerCache = options.providerCache ?? true;
  const retrieve = options.retrieve ?? getSessionMemories;
  const format = options.format ?? formatMemories;
  const countTokens = options.countTokens ?? approximateTokens;
  const write = options.write ?? true;
  const now = options.now ?? (() => new Date());
  const report = options.onError ?? defaultReporter(options);

  const turns = new WeakMap<LanguageModelV4CallOptions, Turn>();
  const writes = new BackgroundWrites({ onError: (error) => console.error('@memos-js/ai-sdk: background write failed', error) });

  async function transformParams({ params, model }: { params: LanguageModelV4CallOptions; model?: { provider?: string } }): Promise<LanguageModelV4CallOptions> {
    const context = await resolveCallContext(identityOptions, params);
    if (context === undefined) return params;
    const userText = latestUserText(params.prompt);
    const cubeIds = searchCubes(context);
    let working: SessionMemory[] = [];
    let workingText = '';
    let workingVersion: number | undefined;
    if (inject === 'system-message' && placement.workingMemory === 'after-system' && readWorkingMemory && context.sessionId !== undefined) {
      const snapshot = await readWorkingMemory({ mos, userId: context.userId, sessionId: context.sessionId, ...(cubeIds !== undefined ? { cubeIds } : {}) });
      if (snapshot !== undefined) {
        workingVersion = snapshot.version;
        // The assistant's own replies stay out of this block too, unless pinned (or assistantWeight > 0).
        const entries = snapshot.entries.flatMap((entry) => (entry.item && (assistantWeight > 0 || entry.pinned === true || !isAssistantMemory(entry.item))
          ? [{ item: entry.item, ...(entry.score !== undefined ? { score: entry.score } : {}) }] : []));
        ({ memories: working, text: workingText } = selectWithinBudget({
          memories: entries, tokenBudget: workingMemoryTokenBudget, countTokens, format: (m) => format(m, { kind: 'working-memory', version: snapshot.version }),
        }));
      }
    }
    let chosen: SessionMemory[] = [];
    let text = '';
    if (inject === 'system-message' && placement.retrieved !== 'none') {
      const found = await retrieve({
        mos, userId: context.userId, query: userText, topK,
        ...(cubeIds !== undefined ? { cubeIds } : {}),
        ...(context.sessionId !== undefined ? { sessionId: context.sessionId } : {}),
        ...(params.abortSignal ? { abortSignal: params.abortSignal } : {}),
      });
      const relevant = relevantMemories(found.slice(0, topK), { minScore, assistantWeight, exclude: new Set(working.map((m) => m.item.id)) });
      ({ memories: chosen, text } = selectWithinBudget({ memories: relevant, tokenBudget, format: (m) => format(m, { kind: 'retrieved' }), countTokens }));
    }
    const anthropic = providerCache && isAnthropicProvider(model?.provider);
    const { prompt, stableMessages } = injectMemoryBlocks(params.prompt, {
      workingMemory: workingText, retrieved: text, retrievedPlacement: placement.retrieved,
      ...(anthropic ? { workingMemoryProviderOptions: ANTHROPIC_CACHE_CONTROL } : {}),
    });
    const workingIds = working.map((m) => m.item.id);
    const retrievedIds = chosen.map((m) => m.item.id);
    // Always a fresh object: it keys this call's turn for wrapGenerate / wrapStream.
    const next: LanguageModelV4CallOptions = { ...params, prompt };
    if (providerCache) next.providerOptions = withPromptCacheKey(params.providerOptions, promptCacheKey(context.userId, cubeIds));
    if (workingText.length > 0) {
      // Read by the llama.cpp activation cache: which leading messages form the stable prefix, and from which memories.
      const memosOptions = next.providerOptions?.['memos'];
      next.providerOptions = {
        ...next.providerOptions,
        memos: { ...memosOptions, stablePrefixMessages: stableMessages, stableMemoryIds: workingIds, stableCubeIds: [...new Set(working.map((m) => m.item.cubeId))].sort() },
      };
    }
    turns.set(next, {
      context, injected: [...workingIds, ...retrievedIds], userText, startedAt: now(),
      report: { ...(workingVersion !== undefined ? { workingMemoryVersion: workingVersion } : {}), workingMemory: workingIds, retrieved: retrievedIds, prefixHash: prefixHash(prompt, stableMessages) },
    });
    options.onInjected?.({ context, memories: chosen, text, workingMemory: { ...(workingVersion !== undefined ? { version: workingVersion } : {}), memories: working, text: workingText } });
    return next;
  }

  function notifyAfterTurn(turn: Turn, answer: string): Promise<void> {
    const { context } = turn;
    if (!afterTurn || context.sessionId === undefined) return Promise.resolve();
    const cubeIds = searchCubes(context);
    return afterTurn({ userId: context.userId, sessionId: context.sessionId, ...(cubeIds !== undefined ? { cubeIds } : {}), query: turn.userText, answer })
      .catch((error: unknown) => report(error, { phase: 'afterTurn', context }));
  }

  function writeTurn(turn: Turn, assistantText: string): void {
    const { context } = turn;
    if (!write || context.cubeId === undefined) {
      if (afterTurn && context.sessionId !== undefined) writes.submit(JSON.stringify([context.userId, null, context.sessionId]), () => notifyAfterTurn(turn, assistantText.trim()));
      return;
    }
    const limit = mos.limits.maxTextChars;
    const messages: { role: 'user' | 'assistant'; content: string; time: string; speaker?: string }[] = [];
    if (turn.userText.trim().length > 0) {
      messages.push({ role: 'user', content: turn.userText.slice(0, limit), time: turn.startedAt.toISOString(), ...(context.userName ? { speaker: context.userName } : {}) });
    }
    const answer = assistantText.trim();
    if (answer.length > 0) {
      messages.push({ role: 'assistant', content: answer.slice(0, limit), time: now().toISOString(), ...(context.assistantName ? { speaker: context.assistantName } : {}) });
    }
    if (messages.length === 0) return;
    const cubeId = context.cubeId;
    writes.submit(JSON.stringify([context.userId, cubeId, context.sessionId ?? null]), async () => {
      let items;
      try {
        ({ items } = await mos.add({ userId: context.userId, cubeId, messages, ...(context.sessionId !== undefined ? { sessionId: context.sessionId } : {}) }));
      } catch (error) {
        report(error, { phase: 'write', context });
        return;
      }
      await notifyAfterTurn(turn, answer.slice(0, limit));
      try {
        await options.onWritten?.({ context, items, injected: turn.injected, userText: messages[0]?.role === 'user' ? messages[0].content : '', assistantText: answer.slice(0, limit) });
      } catch (error) {
        report(error, { phase: 'onWritten', context });
      }
    });
  }

  return {
    specificationVersion: 'v4',
    transformParams,

    async wrapGenerate({ doGenerate, params }) {
      const turn = turns.get(params);
      const result = await doGenerate();
      if (turn === undefined) return result;
      if (!NOT_WRITTEN.has(result.finishReason.unified)) writeTurn(turn, textOf(result.content));
      return { ...result, providerMetadata: withMemosMetadata(result.providerMetadata, turn) };
    },

    async wrapStream({ doStream, params }) {
      const turn = turns.get(params);
      const result = await doStream();
      if (turn === undefined) return result;
      let text = '';
      let failed = false;
      let writable = false;
      const capture = new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
        transform(part, controller) {
          if (part.type === 'text-delta') {
            text += part.delta;
          } else if (part.type === 'error') {
            failed = true;
          } else if (part.type === 'finish') {
            writable = !NOT_WRITTEN.has(part.finishReason.unified);
            controller.enqueue({ ...part, providerMetadata: withMemosMetadata(part.providerMetadata, turn) });
            return;
          }
          controller.enqueue(part);
        },
        // Runs only when the model's stream ended normally (not on cancel or a stream error).
        flush() {
          if (writable && !failed) writeTurn(turn, text);
        },
      });
      return { ...result, stream: result.stream.pipeThrough(capture) };
    },

    flush: () => writes.flush(),
    pendingWrites: () => writes.size,
  };
}

/** Cubes to search: explicit `cubeIds`, else the write cube, else undefined (every readable cube). */
function searchCubes(context: MemosCallContext): string[] | undefined {
  if (context.cubeIds !== undefined) return context.cubeIds;
  return context.cubeId !== undefined ? [context.cubeId] : undefined;
}

function textOf(content: LanguageModelV4Content[]): string {
  return content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
}

function withMemosMetadata(metadata: SharedV4ProviderMetadata | undefined, turn: Turn): SharedV4ProviderMetadata {
  return {
    ...metadata,
    memos: {
      ...metadata?.['memos'],
      injected: [...turn.injected],
      ...(turn.report.workingMemoryVersion !== undefined ? { workingMemoryVersion: turn.report.workingMemoryVersion } : {}),
      workingMemory: [...turn.report.workingMemory],
      retrieved: [...turn.report.retrieved],
      prefixHash: turn.report.prefixHash,
      ...(turn.context.turnId !== undefined ? { turnId: turn.context.turnId } : {}),
    },
  };
}

function defaultReporter(options: MemosMiddlewareOptions): (error: unknown, event: MemosErrorEvent) => void {
  return (error, event) => {
    const fields = { phase: event.phase, userId: event.context.userId, cubeId: event.context.cubeId, error };
    if (options.logger) options.logger.error('@memos-js/ai-sdk: background memory write failed', fields);
    else console.error('@memos-js/ai-sdk: background memory write failed', fields);
  };
}
