/**
 * The model behind the chat: OpenAI (`@ai-sdk/openai`, `OPENAI_MODEL` default gpt-4.1-mini) when
 * `OPENAI_API_KEY` is set, else the offline scripted model. Environment is read per call.
 */
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { createScriptedModel } from './scripted-model.ts';

export interface ChatModel {
  model: LanguageModelV4;
  /** Shown in the page beside each reply. */
  label: string;
}

export async function chatModel(): Promise<ChatModel> {
  const apiKey = process.env['OPENAI_API_KEY'];
  if (apiKey) {
    const { createOpenAI } = await import('@ai-sdk/openai');
    const modelId = process.env['OPENAI_MODEL'] || 'gpt-4.1-mini';
    return { model: createOpenAI({ apiKey })(modelId), label: `OpenAI ${modelId}` };
  }
  return { model: createScriptedModel(), label: 'offline scripted model' };
}
