import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { LanguageModelPort, LanguageModelRequest, LanguageModelResponse } from '@memos-js/core';
import { generateText, jsonSchema, NoObjectGeneratedError, Output, type JSONSchema7 } from 'ai';
import { toModelCallError } from './model-call-error.ts';

/** Options of {@link languageModelPortFromAiSdk}. */
export interface LanguageModelPortFromAiSdkOptions {
  /** An AI SDK (V4) language model object (e.g. `openai('gpt-4.1-mini')`, or a wrapped model). */
  model: LanguageModelV4;
  /** Port id for logs and fingerprints (default `<provider>:<modelId>`). */
  id?: string;
  /** Retries per call (default: the AI SDK's, 2). */
  maxRetries?: number;
  /** Provider options passed to every call. */
  providerOptions?: Parameters<typeof generateText>[0]['providerOptions'];
}

/**
 * Adapts an AI SDK language model to the core's `LanguageModelPort` (used by the reader's fine
 * mode and other LLM-using parts) with `generateText`. A request with `jsonSchema` uses
 * `Output.object({ schema: jsonSchema(...) })`: the provider gets a JSON response format (structured
 * output); parsed JSON is returned as JSON text, and an answer the AI SDK could not parse is returned as
 * the model's raw text, so the core's `generateObject` can validate it and re-ask with the problem quoted
 * back. `modelId` is the provider's response model id. Failed calls throw a `ModelCallError`
 * (`MEMOS_MODEL_CALL`, cause = the AI SDK error, `isRetryable` from the provider; the AI SDK has already
 * retried retryable errors `maxRetries` times).
 */
export function languageModelPortFromAiSdk(options: LanguageModelPortFromAiSdkOptions): LanguageModelPort {
  const { model } = options;
  const id = options.id ?? `${model.provider}:${model.modelId}`;
  return {
    id,
    async generate(request: LanguageModelRequest): Promise<LanguageModelResponse> {
      const common = {
        model,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        ...(request.system !== undefined ? { instructions: request.system } : {}),
        ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.abortSignal !== undefined ? { abortSignal: request.abortSignal } : {}),
        ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
        ...(options.providerOptions !== undefined ? { providerOptions: options.providerOptions } : {}),
      };
      try {
        if (request.jsonSchema !== undefined) {
          const result = await generateText({ ...common, output: Output.object({ schema: jsonSchema<unknown>(request.jsonSchema as JSONSchema7) }) });
          return { text: JSON.stringify(result.output), usage: usageOf(result.usage), ...modelIdOf(result.response) };
        }
        const result = await generateText(common);
        return { text: result.text, usage: usageOf(result.usage), ...modelIdOf(result.response) };
      } catch (error) {
        // The model answered, but not with parsable JSON: hand the text to the caller's validation.
        if (NoObjectGeneratedError.isInstance(error) && typeof error.text === 'string') {
          return { text: error.text, ...(error.usage ? { usage: usageOf(error.usage) } : {}), ...modelIdOf(error.response) };
        }
        throw toModelCallError(error, id, `Generating with ${id}`);
      }
    },
  };
}

function usageOf(usage: { inputTokens: number | undefined; outputTokens: number | undefined }): LanguageModelResponse['usage'] {
  return {
    ...(usage.inputTokens !== undefined ? { inputTokens: usage.inputTokens } : {}),
    ...(usage.outputTokens !== undefined ? { outputTokens: usage.outputTokens } : {}),
  };
}

function modelIdOf(response: { modelId?: string } | undefined): { modelId?: string } {
  return typeof response?.modelId === 'string' && response.modelId !== '' ? { modelId: response.modelId } : {};
}
