'use client';

/**
 * The chat page: `useChat` streams replies from POST /api/chat; beside each assistant reply, a panel
 * lists the memories MemOS injected into that turn and the memories the turn created (the reply's
 * `data-memos` part, see app/api/chat/route.ts).
 */
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport } from 'ai';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { DEMO_USER_ID, type ChatMessage, type ChatRequestExtras, type MemoryView, type MemosPanelData } from '../lib/chat-types.ts';

function newSessionId(): string {
  return `web-${crypto.randomUUID()}`;
}

export default function ChatPage() {
  // The session id is made in the browser after mount (not during server rendering, which would differ).
  const sessionRef = useRef<string>('');
  const [sessionId, setSessionId] = useState('');
  useEffect(() => {
    sessionRef.current = newSessionId();
    setSessionId(sessionRef.current);
  }, []);

  const [transport] = useState(
    () => new DefaultChatTransport<ChatMessage>({ api: '/api/chat', body: (): ChatRequestExtras => ({ userId: DEMO_USER_ID, sessionId: sessionRef.current }) }),
  );
  const { messages, sendMessage, setMessages, status, error } = useChat<ChatMessage>({ transport });
  const [input, setInput] = useState('');
  const busy = status === 'submitted' || status === 'streaming';

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = input.trim();
    if (text === '' || busy || sessionId === '') return;
    setInput('');
    void sendMessage({ text });
  }

  function newConversation() {
    sessionRef.current = newSessionId();
    setSessionId(sessionRef.current);
    setMessages([]);
  }

  const endRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // A block body: newer browsers return a promise from scrollIntoView, and an effect may only return a cleanup function.
    endRef.current?.scrollIntoView({ block: 'end' });
  }, [messages]);

  return (
    <main className="app">
      <header className="app-header">
        <div>
          <h1>MemOS.js chat</h1>
          <p className="subtitle">
            user <code>{DEMO_USER_ID}</code> · session <code data-testid="session-id">{sessionId || '…'}</code>
          </p>
        </div>
        <button type="button" className="secondary" onClick={newConversation} disabled={busy}>
          New conversation
        </button>
      </header>

      <ol className="turns" data-testid="messages">
        {messages.length === 0 && (
          <li className="hint">Tell the assistant something about yourself, then ask about it, here or in a new conversation.</li>
        )}
        {messages.map((message, i) => {
          const text = message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
          if (message.role === 'user') {
            return (
              <li key={message.id} className="turn user" data-testid="user-message">
                <div className="bubble">{text}</div>
              </li>
            );
          }
          const streaming = busy && i === messages.length - 1;
          const panel = memosPanel(message);
          return (
            <li key={message.id} className="turn assistant" data-testid="assistant-message" data-state={streaming ? 'streaming' : 'done'}>
              <div className="bubble" data-testid="assistant-text">
                {text}
                {streaming && <span className="cursor" aria-hidden="true" />}
              </div>
              <MemoryPanel panel={panel} />
            </li>
          );
        })}
        {status === 'submitted' && messages.at(-1)?.role === 'user' && <li className="turn assistant pending">…</li>}
      </ol>
      <div ref={endRef} />

      {error && (
        <p className="error" data-testid="chat-error">
          {error.message}
        </p>
      )}

      <form className="composer" onSubmit={submit}>
        <input
          data-testid="chat-input"
          value={input}
          onChange={(event) => setInput(event.target.value)}
          placeholder="Say something…"
          autoFocus
          maxLength={4000}
        />
        <button type="submit" data-testid="send" disabled={busy || sessionId === '' || input.trim() === ''}>
          Send
        </button>
      </form>
    </main>
  );
}

/** The reply's `data-memos` part (the route sends one per reply, updated in place). */
function memosPanel(message: ChatMessage): MemosPanelData | undefined {
  for (const part of message.parts) if (part.type === 'data-memos') return part.data;
  return undefined;
}

function MemoryPanel({ panel }: { panel: MemosPanelData | undefined }) {
  const created = panel?.created ?? null;
  return (
    <aside className="memory-panel" data-testid="memory-panel">
      <section>
        <h2>Injected memories</h2>
        <MemoryList testId="injected-memories" memories={panel?.injected ?? null} pending="recalling…" empty="none: nothing relevant remembered yet" />
      </section>
      <section>
        <h2>Memories created by this turn</h2>
        <MemoryList testId="created-memories" memories={created} pending="writing…" empty="none" />
      </section>
      {panel?.error && <p className="error">Memory write failed: {panel.error}</p>}
      {panel && <p className="model">model: {panel.model}</p>}
    </aside>
  );
}

function MemoryList({ testId, memories, pending, empty }: { testId: string; memories: MemoryView[] | null; pending: string; empty: string }) {
  if (memories === null) {
    return (
      <p className="muted" data-testid={testId} data-state="pending">
        {pending}
      </p>
    );
  }
  if (memories.length === 0) {
    return (
      <p className="muted" data-testid={testId} data-state="done">
        {empty}
      </p>
    );
  }
  return (
    <ul className="memories" data-testid={testId} data-state="done">
      {memories.map((memory) => (
        <li key={memory.id} data-testid="memory" data-memory-id={memory.id}>
          <span className="memory-text">{memory.text}</span>
          <span className="memory-meta">
            {memory.source ?? memory.memoryType}
            {memory.score !== undefined && ` · score ${memory.score.toFixed(2)}`}
          </span>
        </li>
      ))}
    </ul>
  );
}
