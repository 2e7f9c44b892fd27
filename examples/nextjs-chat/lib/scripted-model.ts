/**
 * A small deterministic V4 language model so the app runs offline and its tests are exact: it reads
 * the memory message the MemOS middleware injected and answers from the first memory the user said,
 * or acknowledges when there is none. Replies stream word by word, with a short pause per word so the
 * streaming is visible in the page (like a real model's).
 */
import type {
  LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4GenerateResult, LanguageModelV4StreamPart, LanguageModelV4StreamResult,
} from '@ai-sdk/provider';
import { readMemoryBlocks } from '@memos-js/ai-sdk';

/** Options of {@link createScriptedModel}. */
export interface ScriptedModelOptions {
  /** Pause before each streamed word, in milliseconds (default 40; 0 streams at once). */
  wordDelayMs?: number;
}

/** One note of an injected memory block. */
interface InjectedLine {
  who: string | undefined;
  text: string;
}

/** Notes of the injected memory blocks (see `formatMemories` in @memos-js/ai-sdk): working memory, then retrieved (best first). */
function injectedMemories(call: LanguageModelV4CallOptions): InjectedLine[] {
  return readMemoryBlocks(call.prompt).flatMap((block) => block.notes.map((note) => ({ who: note.provenance?.split(' · ')[1], text: note.text })));
}

/** The reply: built from the best memory the user said (not the assistant's own earlier replies). */
export function scriptedReply(call: LanguageModelV4CallOptions): string {
  const fromUser = injectedMemories(call).find((line) => line.who === 'user');
  if (fromUser) return `From what you told me before: "${fromUser.text}"`;
  return "Noted, I'll remember that for next time.";
}

const usage = (text: string) => ({
  inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: text.split(/\s+/).length, text: undefined, reasoning: undefined },
});

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Creates the scripted model. */
export function createScriptedModel(options: ScriptedModelOptions = {}): LanguageModelV4 {
  const wordDelayMs = options.wordDelayMs ?? 40;
  return {
    specificationVersion: 'v4',
    provider: 'scripted',
    modelId: 'memory-echo',
    supportedUrls: {},
    async doGenerate(call): Promise<LanguageModelV4GenerateResult> {
      const text = scriptedReply(call);
      return { content: [{ type: 'text', text }], finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(text), warnings: [] };
    },
    async doStream(call): Promise<LanguageModelV4StreamResult> {
      const text = scriptedReply(call);
      const words = text.split(/(?<= )/);
      const signal = call.abortSignal;
      let i = -1;
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] });
            controller.enqueue({ type: 'text-start', id: 't' });
          },
          async pull(controller) {
            i += 1;
            if (i < words.length) {
              if (wordDelayMs > 0) await sleep(wordDelayMs, signal);
              controller.enqueue({ type: 'text-delta', id: 't', delta: words[i]! });
              return;
            }
            controller.enqueue({ type: 'text-end', id: 't' });
            controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(text) });
            controller.close();
          },
        }),
      };
    },
  };
}
