/**
 * POST /api/chat — one chat turn: `streamText` over the chosen model wrapped with the MemOS
 * middleware, streamed to the page as a UI message stream. Besides the reply's text, each assistant
 * message carries one `data-memos` part (same id, updated in place):
 *   1. as soon as the middleware has chosen the turn's memories (`onInjected`): `injected`, `created: null`;
 *   2. after the reply, once the middleware's background write of the turn is done (`flush()`):
 *      `created` (the memory items the turn wrote, from `onWritten`).
 * The stream ends only after step 2, so when the page sees the reply finish it has the complete panel.
 */
import { memosMiddleware } from '@memos-js/ai-sdk';
import type { MemoryItem } from '@memos-js/core';
import {
  convertToModelMessages, createUIMessageStream, createUIMessageStreamResponse, streamText, toUIMessageStream, validateUIMessages,
  wrapLanguageModel, type ToolSet,
} from 'ai';
import { z } from 'zod';
import { chatModel } from '../../../lib/chat-model.ts';
import type { ChatMessage, MemosPanelData } from '../../../lib/chat-types.ts';
import { ensureChatCube, getMemOS } from '../../../lib/memos.ts';
import { toMemoryView } from '../../../lib/memory-view.ts';

// node:sqlite needs the Node.js runtime; every request is dynamic.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const MAX_BODY_CHARS = 1_000_000;
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const RequestBody = z.object({
  messages: z.array(z.unknown()).min(1).max(200),
  /**
   * Demo only (the demo has no login): a real app takes the user from its auth session, never from
   * the request body. Whatever the source, the route resolves it and hands it to the middleware as
   * `identity`; nothing in `providerOptions` decides who is talking.
   */
  userId: z.string().regex(ID),
  sessionId: z.string().regex(ID),
});

const INSTRUCTIONS = 'You are a friendly assistant with a long-term memory. Use what you remember about the user when it helps, and keep answers short.';

export async function POST(request: Request): Promise<Response> {
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_CHARS) return Response.json({ error: 'request body too large' }, { status: 413 });
  const raw = await request.text();
  if (raw.length > MAX_BODY_CHARS) return Response.json({ error: 'request body too large' }, { status: 413 });
  let body: z.infer<typeof RequestBody>;
  let messages: ChatMessage[];
  try {
    body = RequestBody.parse(JSON.parse(raw));
    messages = await validateUIMessages<ChatMessage>({ messages: body.messages });
  } catch (error) {
    return Response.json({ error: 'invalid request body', detail: describe(error) }, { status: 400 });
  }
  if (messages.at(-1)?.role !== 'user') return Response.json({ error: 'the last message must be the user’s' }, { status: 400 });

  const mos = await getMemOS();
  const cubeId = await ensureChatCube(mos, body.userId);
  const { model, label } = await chatModel();
  const { userId, sessionId } = body;

  const stream = createUIMessageStream<ChatMessage>({
    originalMessages: messages,
    onError: replyError,
    execute: async ({ writer }) => {
      const partId = `memos-${crypto.randomUUID()}`;
      let panel: MemosPanelData = { injected: [], created: null, model: label };
      const show = (next: MemosPanelData) => {
        panel = next;
        writer.write({ type: 'data-memos', id: partId, data: panel });
      };
      let created: MemoryItem[] = [];
      let writeError: unknown;
      // One middleware per request: its hooks report to this response, and flush() waits for this turn only.
      const middleware = memosMiddleware({
        mos,
        identity: { userId, cubeId },
        topK: 5,
        tokenBudget: 800,
        // Both blocks: the session's working memory (the stable block), then this turn's retrieved memories.
        onInjected: ({ memories, workingMemory }) => show({ ...panel, injected: [...workingMemory.memories, ...memories].map((m) => toMemoryView(m.item, m.score)) }),
        onWritten: ({ items }) => void (created = items),
        onError: (error) => {
          writeError = error;
          console.error('nextjs-chat: writing the turn to memory failed', error);
        },
      });

      writer.write({ type: 'start' });
      const result = streamText({
        model: wrapLanguageModel({ model, middleware }),
        instructions: INSTRUCTIONS,
        messages: await convertToModelMessages(messages),
        providerOptions: { memos: { sessionId } },
        abortSignal: request.signal,
      });
      // Forward the reply chunk by chunk (text streams as it comes); start/finish are ours.
      for await (const chunk of toUIMessageStream<ToolSet, ChatMessage>({ stream: result.stream, sendStart: false, sendFinish: false, onError: replyError })) {
        writer.write(chunk);
      }
      // The middleware writes the turn in the background once the model's stream finished; wait for it.
      await middleware.flush();
      show({ ...panel, created: created.map((item) => toMemoryView(item)), ...(writeError !== undefined ? { error: describe(writeError) } : {}) });
      writer.write({ type: 'finish', finishReason: await Promise.resolve(result.finishReason).catch(() => 'error' as const) });
    },
  });
  return createUIMessageStreamResponse({ stream });
}

/** What the page is told when the reply fails (details stay in the server log). */
function replyError(error: unknown): string {
  console.error('nextjs-chat: the reply failed', error);
  return 'The assistant could not answer (see the server log).';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
