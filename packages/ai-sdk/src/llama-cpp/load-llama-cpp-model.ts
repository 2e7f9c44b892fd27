import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SharedV4Warning } from '@ai-sdk/provider';
import { DependencyFailedError, ModelCallError, ValidationError } from '@memos-js/core';
import type { LlamaCompletion, LlamaGrammar, Token } from 'node-llama-cpp';
import { createActivationCache, type ActivationCache } from './activation-cache.ts';
import type { ActivationStore } from './activation-store.ts';
import type { LlamaCppLanguageModelOptions } from './create-llama-cpp-language-model.ts';
import { loadNodeLlamaCpp } from './load-node-llama-cpp.ts';
import { modelFingerprint, sha256File, type ModelFingerprint } from './model-fingerprint.ts';
import type { PromptLabels } from './prompt-to-text.ts';

const FEATURE = 'createLlamaCppLanguageModel';

/** A loaded model, its context sequence and completion (internal to `createLlamaCppLanguageModel`). */
export interface LoadedLlamaModel {
  completion: LlamaCompletion;
  tokenCount(text: string): number;
  tokenize(text: string): Token[];
  /** The beginning token the completion prepends to every input, if any. */
  beginningToken: Token | null;
  activation?: ActivationCache;
  fingerprint?: ModelFingerprint;
  meter(): { usedInputTokens: number; usedOutputTokens: number };
  /** A grammar for the JSON response format, and a warning when the schema could not be enforced. */
  jsonGrammar(schema: unknown): Promise<{ grammar: LlamaGrammar; warning?: SharedV4Warning }>;
  dispose(): Promise<void>;
}

/**
 * Loads the model file (and LoRA adapters) with node-llama-cpp into a one-sequence context; with an
 * activation store, computes the model fingerprint and binds the activation cache to the sequence.
 */
export async function loadLlamaCppModel(options: LlamaCppLanguageModelOptions, labels: PromptLabels, store: ActivationStore | undefined): Promise<LoadedLlamaModel> {
  const adapters = (options.lora?.adapters ?? []).map((adapter) => ({ filePath: adapter.filePath, scale: adapter.scale ?? 1 }));
  for (const path of [options.modelPath, ...adapters.map((adapter) => adapter.filePath)]) {
    try {
      await access(path);
    } catch (error) {
      const field = path === options.modelPath ? 'modelPath' : 'lora.adapters';
      throw new ValidationError(`${FEATURE}.${field}`, `cannot read ${JSON.stringify(path)}`, { cause: error });
    }
  }
  const { getLlama, LlamaCompletion, LlamaLogLevel, LlamaVocabularyType } = await loadNodeLlamaCpp(FEATURE);
  let llama: Awaited<ReturnType<typeof getLlama>>;
  try {
    llama = await getLlama({ gpu: options.gpu ?? 'auto', build: 'never', logLevel: LlamaLogLevel.error });
  } catch (error) {
    // No usable native binary for this machine (node-llama-cpp is installed but cannot run).
    throw new DependencyFailedError('node-llama-cpp', FEATURE, (error as Error)?.message ?? String(error), { cause: error });
  }
  try {
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({
      contextSize: options.contextSize ?? Math.min(model.trainContextSize, 4096),
      sequences: 1,
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(adapters.length > 0 ? { lora: { adapters } } : {}),
    });
    const sequence = context.getSequence();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    // As LlamaCompletion decides it (node-llama-cpp's resolveBeginningTokenToPrepend, not exported).
    const vocabulary = model.vocabularyType;
    const beginningToken = vocabulary === LlamaVocabularyType.rwkv || vocabulary === LlamaVocabularyType.ugm
      ? null
      : vocabulary === LlamaVocabularyType.wpm || model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
    let fingerprint: ModelFingerprint | undefined;
    let activation: ActivationCache | undefined;
    if (store) {
      fingerprint = modelFingerprint({
        modelSha256: options.activationCache?.modelSha256 ?? await sha256File(options.modelPath),
        contextSize: context.contextSize,
        adapters: await Promise.all(adapters.map(async (adapter) => ({ sha256: await sha256File(adapter.filePath), scale: adapter.scale }))),
        promptFormat: `memos-plain-text/1 ${JSON.stringify(labels)}`,
      });
      activation = createActivationCache({ store, fingerprint, sequence, beginningToken, tokenize: (text) => model.tokenize(text), onEvent: options.onEvent });
    }
    return {
      completion,
      beginningToken,
      tokenize: (text) => model.tokenize(text),
      ...(activation ? { activation } : {}),
      ...(fingerprint ? { fingerprint } : {}),
      tokenCount: (text) => model.tokenize(text).length,
      meter: () => sequence.tokenMeter.getState(),
      async jsonGrammar(schema) {
        if (schema === undefined) return { grammar: await llama.getGrammarFor('json') };
        try {
          return { grammar: await llama.createGrammarForJsonSchema(schema as Parameters<typeof llama.createGrammarForJsonSchema>[0]) };
        } catch (error) {
          // A schema node-llama-cpp's GBNF converter does not support: any JSON value, with a warning.
          const details = `schema not enforced (${(error as Error)?.message ?? String(error)}); output is constrained to JSON only`;
          return { grammar: await llama.getGrammarFor('json'), warning: { type: 'compatibility', feature: 'responseFormat.schema', details } };
        }
      },
      async dispose() {
        completion.dispose();
        await context.dispose();
        await model.dispose();
        await llama.dispose();
      },
    };
  } catch (error) {
    await llama.dispose();
    throw new ModelCallError(basename(options.modelPath), `Loading ${options.modelPath} with node-llama-cpp failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}
