import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { ValidationError, type LanguageModelPort, type LanguageModelRequest, type LanguageModelResponse } from '@memos-js/core';
import { messageText } from '../format/message-text.ts';

/** Options of {@link languageModelPortFromLangChain}. */
export interface LanguageModelPortFromLangChainOptions {
  /** Any LangChain chat model (`ChatOpenAI`, `ChatOllama`, a fake model in tests, ...). */
  model: BaseChatModel;
  /** Identifier for logs and fingerprints (default `langchain:<model type>`). */
  id?: string;
  /**
   * How a request with `jsonSchema` is answered: `native` (default) uses the model's
   * `withStructuredOutput` (tool calling / JSON mode; no token usage is reported); `prompt` appends the schema to the system
   * prompt and returns the model's text, for models without structured output.
   */
  structuredOutput?: 'native' | 'prompt';
}

function toMessages(request: LanguageModelRequest, system: string | undefined): BaseMessage[] {
  const messages: BaseMessage[] = system ? [new SystemMessage(system)] : [];
  for (const m of request.messages) messages.push(m.role === 'user' ? new HumanMessage(m.content) : new AIMessage(m.content));
  return messages;
}

function stripFences(text: string): string {
  const match = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  return match?.[1] ?? text.trim();
}

/**
 * The core's `LanguageModelPort` over a LangChain chat model, so the MemOS reader (fine mode) and
 * other LLM-using parts can run on any LangChain provider. `maxOutputTokens` and `temperature` are
 * not forwarded: set them on the model itself.
 */
export function languageModelPortFromLangChain(options: LanguageModelPortFromLangChainOptions): LanguageModelPort {
  const { model } = options;
  const mode = options.structuredOutput ?? 'native';
  return {
    id: options.id ?? `langchain:${model._llmType()}`,
    async generate(request: LanguageModelRequest): Promise<LanguageModelResponse> {
      if (request.messages.length === 0) throw new ValidationError('generate.messages', 'must not be empty');
      const callOptions = request.abortSignal ? { signal: request.abortSignal } : {};
      if (request.jsonSchema && mode === 'native') {
        const parsed = await model.withStructuredOutput(request.jsonSchema).invoke(toMessages(request, request.system), callOptions);
        return { text: JSON.stringify(parsed) };
      }
      const system = request.jsonSchema
        ? `${request.system ? `${request.system}\n\n` : ''}Answer with JSON only, matching this JSON Schema:\n${JSON.stringify(request.jsonSchema)}`
        : request.system;
      const response = await model.invoke(toMessages(request, system), callOptions);
      const text = messageText(response);
      return { text: request.jsonSchema ? stripFences(text) : text, ...usageOf(response) };
    },
  };
}

function usageOf(message: BaseMessage): { usage?: { inputTokens?: number; outputTokens?: number } } {
  const usage = AIMessage.isInstance(message) ? message.usage_metadata : undefined;
  return usage ? { usage: { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens } } : {};
}
