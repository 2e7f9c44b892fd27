import type { MemoryDraft } from '../extraction/index.ts';
import type { MemoryPatch } from '../memory/textual/change-memory.ts';
import type { MemoryItem, MetadataValue, RedactionMark } from '../spec/index.ts';
import { redactFields } from './redact-fields.ts';
import { mergeRedactionMarks, type Redactor } from './redactor.ts';

/**
 * Redacts what an `add` stores: each draft's text, key, tags and metadata, plus the call's own tags
 * and metadata (which every item receives, so their marks count in every item). Each draft's
 * `redactions` is what was masked in the item it becomes.
 */
export function redactAdd(
  redactor: Redactor,
  input: { drafts: readonly MemoryDraft[]; tags?: string[] | undefined; metadata?: Record<string, MetadataValue> | undefined },
): { drafts: MemoryDraft[]; tags?: string[]; metadata?: Record<string, MetadataValue> } {
  const shared = redactFields(redactor, { tags: input.tags, metadata: input.metadata });
  const sharedMarks = redactor.countMasks ? countMasks(redactor, shared.fields) : shared.marks;
  const drafts = input.drafts.map((draft) => {
    const { fields, marks } = redactFields(redactor, { text: draft.text, key: draft.key, tags: draft.tags, metadata: draft.metadata });
    // With countMasks, the masks in the stored fields (also those made before the reader ran).
    const own = redactor.countMasks ? countMasks(redactor, { text: fields.text, tags: fields.tags, metadata: fields.metadata }) : marks;
    const redactions = mergeRedactionMarks(draft.redactions, own, sharedMarks);
    const out: MemoryDraft = { ...draft, text: fields.text as string, key: fields.key as string, tags: fields.tags as string[], metadata: fields.metadata as Record<string, MetadataValue> };
    if (redactions.length > 0) out.redactions = redactions;
    else delete out.redactions;
    return out;
  });
  return {
    drafts,
    ...(shared.fields.tags !== undefined ? { tags: shared.fields.tags } : {}),
    ...(shared.fields.metadata !== undefined ? { metadata: shared.fields.metadata } : {}),
  };
}

/**
 * Redacts what an update stores (text, key, tags, metadata of the patch); the item's marks become
 * its earlier marks plus the new ones (marks record what was ever masked in it).
 */
export function redactPatch(redactor: Redactor, item: MemoryItem, patch: MemoryPatch): MemoryPatch {
  const { fields, marks } = redactFields(redactor, { text: patch.text, key: patch.key, tags: patch.tags, metadata: patch.metadata });
  const out: MemoryPatch = { ...patch };
  for (const key of ['text', 'key', 'tags', 'metadata'] as const) if (fields[key] !== undefined) (out as Record<string, unknown>)[key] = fields[key];
  if (marks.length > 0) out.redactions = mergeRedactionMarks(item.redactions, marks);
  return out;
}

/** Masks the redactor's own masks already present in the fields (key excluded: derived from the text). */
function countMasks(redactor: Redactor, fields: { text?: string | undefined; tags?: string[] | undefined; metadata?: Record<string, MetadataValue> | undefined }): RedactionMark[] {
  const count = (value: string) => redactor.countMasks?.(value) ?? [];
  const strings = [
    ...(fields.text !== undefined ? [fields.text] : []),
    ...(fields.tags ?? []),
    ...Object.values(fields.metadata ?? {}).filter((value): value is string => typeof value === 'string'),
  ];
  return mergeRedactionMarks(...strings.map(count));
}

/**
 * Masks what the reader will read (message contents, a document's text and title, plain text),
 * so that the keys and tags it derives never hold a masked value. Only for redactors that can
 * count their masks afterwards (`countMasks`); others redact the drafts only.
 */
export function redactReaderInput<T extends { messages: { content: string }[] } | { text: string } | { document: { text: string; title?: string | undefined } }>(
  redactor: Redactor | undefined,
  input: T,
): T {
  if (redactor?.countMasks === undefined) return input;
  const clean = (value: string) => redactor.redact(value).text;
  if ('messages' in input) return { ...input, messages: input.messages.map((m) => ({ ...m, content: clean(m.content) })) };
  if ('text' in input) return { ...input, text: clean(input.text) };
  const { title, ...document } = input.document;
  return { ...input, document: { ...document, text: clean(document.text), ...(title !== undefined ? { title: clean(title) } : {}) } };
}
