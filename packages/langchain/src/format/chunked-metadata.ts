import { InputTooLargeError, type MetadataValue } from '@memos-js/core';

/** Longest metadata string the core accepts (its input schema caps metadata strings at 4,000 characters). */
export const METADATA_CHUNK_CHARS = 4_000;

/**
 * Writes a string into scalar metadata under `key`, split into `key:0..n` plus `key:chunks` when it
 * is longer than {@link METADATA_CHUNK_CHARS}. Throws `InputTooLargeError` (field `field`) when it
 * needs more keys than `maxKeys` leaves free.
 */
export function putChunked(metadata: Record<string, MetadataValue>, key: string, text: string, options: { maxKeys: number; field: string }): void {
  if (text.length <= METADATA_CHUNK_CHARS) {
    metadata[key] = text;
    return;
  }
  const chunks = Math.ceil(text.length / METADATA_CHUNK_CHARS);
  const free = options.maxKeys - Object.keys(metadata).length - 1;
  if (chunks > free) throw new InputTooLargeError(options.field, Math.max(0, free) * METADATA_CHUNK_CHARS, text.length);
  metadata[`${key}:chunks`] = chunks;
  for (let i = 0; i < chunks; i += 1) metadata[`${key}:${i}`] = text.slice(i * METADATA_CHUNK_CHARS, (i + 1) * METADATA_CHUNK_CHARS);
}

/** Reads a string written by {@link putChunked}, or undefined when absent. */
export function getChunked(metadata: Record<string, MetadataValue>, key: string): string | undefined {
  const single = metadata[key];
  if (typeof single === 'string') return single;
  const chunks = metadata[`${key}:chunks`];
  if (typeof chunks !== 'number') return undefined;
  return Array.from({ length: chunks }, (_, i) => String(metadata[`${key}:${i}`] ?? '')).join('');
}
