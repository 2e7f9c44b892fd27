import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** What a saved KV state depends on besides its tokens. */
export interface ModelFingerprintInput {
  /** sha256 (hex) of the GGUF model file. */
  modelSha256: string;
  /** Context size of the context the state is evaluated in. */
  contextSize: number;
  /** LoRA adapters in load order: sha256 of each adapter file and its scale. */
  adapters: readonly { sha256: string; scale: number }[];
  /** How prompts are rendered (chat template or wrapper name; here the plain-text format and its labels). */
  promptFormat: string;
}

/** A model fingerprint: the inputs and their sha256 (hex), the first half of an activation cache key. */
export interface ModelFingerprint extends ModelFingerprintInput {
  hash: string;
}

/** Computes the fingerprint of a model configuration (deterministic: same inputs, same hash). */
export function modelFingerprint(input: ModelFingerprintInput): ModelFingerprint {
  const canonical = {
    modelSha256: input.modelSha256,
    contextSize: input.contextSize,
    adapters: input.adapters.map((adapter) => ({ sha256: adapter.sha256, scale: adapter.scale })),
    promptFormat: input.promptFormat,
  };
  return { ...canonical, hash: createHash('sha256').update(JSON.stringify(canonical)).digest('hex') };
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** sha256 (hex) of a token sequence (little-endian uint32 per token), the second half of an activation cache key. */
export function tokensHash(tokens: readonly number[]): string {
  const buffer = Buffer.alloc(tokens.length * 4);
  tokens.forEach((token, index) => buffer.writeUInt32LE(token >>> 0, index * 4));
  return createHash('sha256').update(buffer).digest('hex');
}

/** The cache key of a prefix under a model fingerprint (sha256 hex of both). */
export function activationKey(fingerprintHash: string, prefix: string): string {
  return createHash('sha256').update(`${fingerprintHash}:${prefix}`).digest('hex');
}
