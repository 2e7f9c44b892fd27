/**
 * A tiny deterministic V4 language model for running the example offline: it answers from the
 * memory message the middleware injected (the first memory), or acknowledges when there is none.
 */
import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4GenerateResult, LanguageModelV4StreamResult } from '@ai-sdk/provider';
import { MEMORY_HEADER } from '@memos-js/ai-sdk';

/** Memory texts of the injected memory message (`- [provenance] text` lines), best first. */
function injectedMemories(call: LanguageModelV4CallOptions): string[] {
  const message = call.prompt.find((m) => m.role === 'system' && m.content.startsWith(MEMORY_HEADER));
  if (message?.role !== 'system') return [];
  return message.content.split('\n').flatMap((line) => {
    const match = /^- \[[^\]]*\] (.*)$/.exec(line);
    return match?.[1] ? [match[1]] : [];
  });
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
