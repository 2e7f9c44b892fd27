/**
 * A tiny deterministic V4 language model for running the example offline: it answers from the
 * memory message the middleware injected (the first memory), or acknowledges when there is none.
 */
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4GenerateResult, LanguageModelV4StreamResult } from '@ai-sdk/provider';
import { readMemoryBlocks } from '@memos-js/ai-sdk';

/** Memory texts of the injected memory blocks (working memory, then retrieved, best first). */
function injectedMemories(call: LanguageModelV4CallOptions): string[] {
  return readMemoryBlocks(call.prompt).flatMap((block) => block.notes.map((note) => note.text));
}

function reply(call: LanguageModelV4CallOptions): string {
  const [first] = injectedMemories(call);
  return first ? `(scripted model) From memory: ${first}` : '(scripted model) Nice to meet you! I will remember that.';
}

const usage = (text: string) => ({
  inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: text.split(/\s+/).length, text: undefined, reasoning: undefined },
});

/** Creates the scripted model. */
export function createScriptedModel(): LanguageModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'scripted',
    modelId: 'memory-echo',
    supportedUrls: {},
    async doGenerate(call): Promise<LanguageModelV4GenerateResult> {
      const text = reply(call);
      return { content: [{ type: 'text', text }], finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(text), warnings: [] };
    },
    async doStream(call): Promise<LanguageModelV4StreamResult> {
      const text = reply(call);
      const words = text.split(/(?<= )/);
      return {
        stream: new ReadableStream({
          start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] });
            controller.enqueue({ type: 'text-start', id: 't' });
            for (const delta of words) controller.enqueue({ type: 'text-delta', id: 't', delta });
            controller.enqueue({ type: 'text-end', id: 't' });
            controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(text) });
            controller.close();
          },
        }),
      };
    },
  };
}
