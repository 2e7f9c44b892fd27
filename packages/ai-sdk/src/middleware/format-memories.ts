import type { LanguageModelV4Prompt } from '@ai-sdk/provider';
import { renderRecalledNotes, type RecalledNote } from '@memos-js/core';
import type { SessionMemory } from './get-session-memories.ts';

/** Which block a text is rendered for: the session's stable working memory or this turn's retrieved memories. */
export interface MemoryBlockInfo {
  kind: 'working-memory' | 'retrieved';
  /** Working-memory version (working-memory block only): shown in the tag, so the block changes exactly with it. */
  version?: number;
}

/** Start of every block the default layout renders (a system or user message starting with it holds memories). */
export const MEMORY_HEADER = '<memos-notes';

const DESCRIPTIONS: Record<MemoryBlockInfo['kind'], string> = {
  'working-memory': 'Working memory, fixed order.',
  retrieved: 'For the latest message, best first.',
};

/**
 * The default layout of an injected memory block: quoted data (see `renderRecalledNotes` in
 * `@memos-js/core`), a `<memos-notes kind="…">` tag, the not-instructions preamble, then one line
 * per memory, `- [2024-03-03 · Priya] "text"`, with the date (chat time, else validity or creation
 * date) and the speaker, document path or role of its first source (left out when the text already
 * starts with `"<speaker>: "`). A pure function of the memories and the block info: no clock, no random
 * ids, whitespace collapsed, so the same memories give a byte-identical block. `''` for no memories.
 */
export function formatMemories(memories: readonly SessionMemory[], block: MemoryBlockInfo = { kind: 'retrieved' }): string {
  return renderRecalledNotes({
    kind: block.kind,
    notes: memories.map(memoryNote),
    description: DESCRIPTIONS[block.kind],
    ...(block.version !== undefined ? { attributes: { version: String(block.version) } } : {}),
  });
}

/** One memory as a note of the default layout (its provenance and text, not yet quoted). */
export function memoryNote(memory: SessionMemory): RecalledNote {
  const { item } = memory;
  const source = item.sources[0];
  const date = (source?.chatTime ?? item.validAt ?? item.createdAt).slice(0, 10);
  const who = source?.speaker ?? source?.docPath ?? (source && source.role !== 'api' ? source.role : undefined);
  // Fast-mode chat memories already read "Priya: ..." — do not repeat the speaker.
  const named = source?.speaker !== undefined && item.text.startsWith(`${source.speaker}: `);
  return { text: item.text, provenance: who && !named ? `${date} · ${who}` : date };
}

/** One memory block read back from a prompt (see {@link readMemoryBlocks}). */
export interface ReadMemoryBlock {
  kind: string;
  version?: number;
  /** Notes in the block's order, their texts unquoted. */
  notes: Array<{ provenance?: string; text: string }>;
}

/**
 * The memory blocks the default layout put into a prompt (system or user messages starting with
 * {@link MEMORY_HEADER}), in prompt order, with their notes unquoted: for scripted models, tests
 * and benchmarks that need to see what was injected.
 */
export function readMemoryBlocks(prompt: LanguageModelV4Prompt): ReadMemoryBlock[] {
  return prompt.flatMap((message) => {
    const text = message.role === 'system' ? message.content
      : message.role === 'user' ? message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('') : '';
    if (!text.startsWith(MEMORY_HEADER)) return [];
    const [open = '', ...lines] = text.split('\n');
    const kind = /\bkind="([^"]*)"/.exec(open)?.[1] ?? '';
    const version = /\bversion="(\d+)"/.exec(open)?.[1];
    const notes = lines.flatMap((line) => {
      const match = /^- (?:\[([^\]]*)\] )?(".*")$/.exec(line);
      if (!match?.[2]) return [];
      return [{ ...(match[1] !== undefined ? { provenance: match[1] } : {}), text: JSON.parse(match[2]) as string }];
    });
    return [{ kind, ...(version !== undefined ? { version: Number(version) } : {}), notes }];
  });
}
