import { HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { isAssistantMemory, type AfterTurnInput, type MemOS, type MemoryItem } from '@memos-js/core';

/** Where the per-turn retrieved block goes: right before the last human message (default), appended to the system message (the old layout), or nowhere. */
export type RetrievedPlacement = 'before-last-user' | 'after-system' | 'none';

/** Where the two memory blocks go (the same options as the AI SDK middleware's). */
export interface MemoryPlacement {
  /** `after-system` (default): the session's working memory appended to the system message (the stable prefix); `none`: not injected. */
  workingMemory?: 'after-system' | 'none';
  /** Default `before-last-user`: the prefix before the latest human message stays byte-identical from turn to turn. */
  retrieved?: RetrievedPlacement;
}

/** A session's working memory as the adapters read it (structurally a core `WorkingMemorySnapshot`). */
export interface WorkingMemoryView {
  version: number;
  entries: ReadonlyArray<{ item: MemoryItem; pinned?: boolean }>;
}

/** Reads a session's working memory. */
export type WorkingMemoryReader = (request: { userId: string; sessionId: string }) => Promise<WorkingMemoryView | undefined>;

/** What the adapters report after each turn (the scheduler's `afterTurn` input). */
export type AfterTurnEvent = AfterTurnInput;

/** The working-memory reader: the option (`false`: none), else the runtime's MemScheduler (`mos.scheduler.workingMemory`). */
export function workingMemoryReader(mos: MemOS, option: false | WorkingMemoryReader | undefined): WorkingMemoryReader | undefined {
  if (option === false) return undefined;
  return option ?? ((request) => mos.scheduler.workingMemory(request));
}

/** The after-turn hook: the option (`false`: none), else the runtime's MemScheduler (`mos.scheduler.afterTurn`). */
export function afterTurnHook(mos: MemOS, option: false | ((event: AfterTurnEvent) => Promise<void>) | undefined): ((event: AfterTurnEvent) => Promise<void>) | undefined {
  if (option === false) return undefined;
  return option ?? (async (event) => void (await mos.scheduler.afterTurn(event)));
}

/** Working-memory entries that still carry their item, in the snapshot's order; the assistant's own replies left out unless pinned or `includeAssistant`. */
export function workingMemoryItems(view: WorkingMemoryView | undefined, includeAssistant = false): MemoryItem[] {
  return (view?.entries ?? []).flatMap((entry) => (entry.item && (includeAssistant || entry.pinned === true || !isAssistantMemory(entry.item)) ? [entry.item] : []));
}

/**
 * Messages with the retrieved block (`text`) as its own human message right before the last human
 * message (the prefix before it, system + working memory + history, stays byte-identical from
 * turn to turn). Without a human message, or with `text` empty, the messages are returned as they are.
 */
export function insertBeforeLastHuman(messages: readonly BaseMessage[], text: string): BaseMessage[] {
  if (text.length === 0) return [...messages];
  let at = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.getType() === 'human') {
      at = i;
      break;
    }
  }
  if (at < 0) return [...messages];
  return [...messages.slice(0, at), new HumanMessage({ content: text, additional_kwargs: { memos: 'retrieved-memories' } }), ...messages.slice(at)];
}
