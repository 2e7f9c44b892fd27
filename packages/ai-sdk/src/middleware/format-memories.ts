import type { SessionMemory } from './get-session-memories.ts';

/** First line of the default memory message. */
export const MEMORY_HEADER = 'Memories about the user from earlier conversations, most relevant first (they may be out of date; use them when they help):';

/**
 * The default layout of the injected memory message: a fixed header, then one line per memory,
 * `- [2024-03-03 · user] text`, with the date (chat time, else validity or creation date) and
 * speaker, document path or role of its first source (the speaker is left out when the text
 * already starts with `"<speaker>: "`, as fast-mode chat memories do). A pure function of the memories: no clock,
 * no random ids, whitespace in texts collapsed, so the same memories give a byte-identical message.
 * Returns `''` for no memories.
 */
export function formatMemories(memories: readonly SessionMemory[]): string {
  if (memories.length === 0) return '';
  return [MEMORY_HEADER, ...memories.map(formatMemoryLine)].join('\n');
}

/** One memory as a line of the default layout. */
export function formatMemoryLine(memory: SessionMemory): string {
  const { item } = memory;
  const source = item.sources[0];
  const date = (source?.chatTime ?? item.validAt ?? item.createdAt).slice(0, 10);
  const who = source?.speaker ?? source?.docPath ?? (source && source.role !== 'api' ? source.role : undefined);
  // Fast-mode chat memories already read "Priya: ..." — do not repeat the speaker.
  const named = source?.speaker !== undefined && item.text.startsWith(`${source.speaker}: `);
  const provenance = who && !named ? `${date} · ${oneLine(who)}` : date;
  return `- [${provenance}] ${oneLine(item.text)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
