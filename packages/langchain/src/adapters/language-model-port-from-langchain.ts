import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { stripCodeFences, ValidationError, type LanguageModelPort, type LanguageModelRequest, type LanguageModelResponse } from '@memos-js/core';
import { messageText } from '../format/message-text.ts';

/** Options of {@link languageModelPortFromLangChain}. */
export interface LanguageModelPortFromLangChainOptions {
  /** Any LangChain chat model (`ChatOpenAI`, `ChatOllama`, a fake model in tests, ...). */
  model: BaseChatModel;
  /** Identifier for logs and fingerprints (default `langchain:<model type>`). */
  id?: string;
  /**
   * How a request with `jsonSchema` is answered: `native` (default) uses the model's
   * `withStructuredOutput(schema, { includeRaw: true })` (tool calling / JSON mode; usage from the raw
   * message; an answer LangChain could not parse is returned as the raw tool arguments or text, for the
   * caller's validation); `prompt` appends the schema to the system prompt and returns the model's
   * text without code fences, for models without structured output.
   */
  structuredOutput?: 'native' | 'prompt';
}

function toMessages(request: LanguageModelRequest, system: string | undefined): BaseMessage[] {
  const messages: BaseMessage[] = system ? [new SystemMessage(system)] : [];
  for (const m of request.messages) messages.push(m.role === 'user' ? new HumanMessage(m.content) : new AIMessage(m.content));
  return messages;
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
        const result: unknown = await model.withStructuredOutput(request.jsonSchema, { includeRaw: true }).invoke(toMessages(request, request.system), callOptions);
        return structuredResponse(result);
      }
      const system = request.jsonSchema
        ? `${request.system ? `${request.system}\n\n` : ''}Answer with JSON only, matching this JSON Schema:\n${JSON.stringify(request.jsonSchema)}`
        : request.system;
      const response = await model.invoke(toMessages(request, system), callOptions);
      const text = messageText(response);
      return { text: request.jsonSchema ? stripCodeFences(text) : text, ...usageOf(response) };
    },
  };
}

function usageOf(message: BaseMessage): Pick<LanguageModelResponse, 'usage' | 'modelId'> {
  const usage = AIMessage.isInstance(message) ? message.usage_metadata : undefined;
  const metadata = (message.response_metadata ?? {}) as Record<string, unknown>;
  const modelName = metadata['model_name'] ?? metadata['model'];
  return {
    ...(usage ? { usage: { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens } } : {}),
    ...(typeof modelName === 'string' && modelName !== '' ? { modelId: modelName } : {}),
  };
}

/**
 * The answer of `withStructuredOutput(..., { includeRaw: true })`: `{ raw, parsed }` from LangChain's
 * pipeline (parsed is null when the answer did not parse: then the raw tool arguments or text), or the
 * plain parsed value from models that ignore `includeRaw` (e.g. LangChain's fake models).
 */
function structuredResponse(result: unknown): LanguageModelResponse {
  if (typeof result === 'object' && result !== null && 'raw' in result && 'parsed' in result && AIMessage.isInstance((result as { raw: unknown }).raw)) {
    const { raw, parsed } = result as { raw: AIMessage; parsed: unknown };
    if (parsed !== null && parsed !== undefined) return { text: JSON.stringify(parsed), ...usageOf(raw) };
    const args = raw.tool_calls?.[0]?.args;
    return { text: args !== undefined ? JSON.stringify(args) : messageText(raw), ...usageOf(raw) };
  }
  return { text: result === undefined ? '' : JSON.stringify(result) };
}
