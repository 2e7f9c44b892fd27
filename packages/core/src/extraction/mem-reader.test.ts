import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.ts';
import { type ChatMessageInput, createFastMemReader, type FastMemReaderOptions } from './mem-reader.ts';

const conversation: ChatMessageInput[] = [
  { role: 'user', speaker: 'Caroline', messageId: 'D1:1', content: 'Hey Mel! Good to see you! How have you been?' },
  { role: 'assistant', speaker: 'Melanie', messageId: 'D1:2', content: "Hey Caroline! I'm swamped with the kids & work." },
  { role: 'user', speaker: 'Caroline', messageId: 'D1:3', content: 'I went to a LGBTQ support group yesterday and it was so powerful.', time: '2023-05-08T09:00:00Z' },
];

describe('createFastMemReader: messages', () => {
  const reader = createFastMemReader();

  it('is the fast mode', () => {
    expect(reader.mode).toBe('fast');
  });

  it('turns each message into one event draft with speaker, key, tags, sources, time and FOLLOWS', async () => {
    const drafts = await reader.readMessages({ messages: conversation, sessionId: 's1', sessionTime: '1:56 pm on 8 May, 2023' });
    expect(drafts).toHaveLength(3);
    expect(drafts[2]).toEqual({
      text: 'Caroline: I went to a LGBTQ support group yesterday and it was so powerful.',
      key: 'went lgbtq support group yesterday powerful',
      tags: ['chat', 'user', 'caroline'],
      memoryType: 'event',
      sources: [{ role: 'user', speaker: 'Caroline', messageId: 'D1:3', chatTime: '2023-05-08T09:00:00.000Z', sessionId: 's1' }],
      validAt: '2023-05-08T09:00:00.000Z',
      metadata: {},
      follows: 1,
    });
    expect(drafts[0]?.follows).toBeUndefined();
    expect(drafts[1]?.follows).toBe(0);
    // Messages without their own time take the session time.
    expect(drafts[0]?.validAt).toBe('2023-05-08T13:56:00.000Z');
    expect(drafts[1]?.sources[0]?.chatTime).toBe('2023-05-08T13:56:00.000Z');
    expect(drafts[1]?.tags).toEqual(['chat', 'assistant', 'melanie']);
  });

  it('can leave the speaker out of the text', async () => {
    const plain = createFastMemReader({ includeSpeakerInText: false });
    const [draft] = await plain.readMessages({ messages: [conversation[2] as ChatMessageInput] });
    expect(draft?.text).toBe('I went to a LGBTQ support group yesterday and it was so powerful.');
    expect(draft?.sources[0]?.speaker).toBe('Caroline');
  });

  it('omits absent fields and has no time when none is given', async () => {
    const [draft] = await reader.readMessages({ messages: [{ role: 'user', content: 'I love sushi' }] });
    expect(draft).toEqual({ text: 'I love sushi', key: 'love sushi', tags: ['chat', 'user'], memoryType: 'event', sources: [{ role: 'user' }], metadata: {} });
  });

  it('skips system, tool and empty messages by default; FOLLOWS links the drafts that remain', async () => {
    const drafts = await reader.readMessages({
      messages: [
        { role: 'system', content: 'You are helpful.' },
        { role: 'user', content: 'first' },
        { role: 'tool', content: '{"temp": 21}' },
        { role: 'assistant', content: '   ' },
        { role: 'assistant', content: 'second' },
      ],
    });
    expect(drafts.map((d) => [d.text, d.follows])).toEqual([
      ['first', undefined],
      ['second', 0],
    ]);
    const all = createFastMemReader({ roles: ['system', 'user', 'assistant', 'tool'] });
    const withAll = await all.readMessages({ messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'tool', content: '' }, { role: 'tool', content: '{"temp": 21}' }] });
    expect(withAll.map((d) => d.tags[1])).toEqual(['system', 'tool']);
  });

  it('splits a message longer than maxChunkChars into following drafts', async () => {
    const long = Array.from({ length: 30 }, (_, i) => `This is sentence ${i} of a long pasted message.`).join(' ');
    const drafts = await createFastMemReader({ maxChunkChars: 200, chunkOverlapChars: 0 }).readMessages({
      messages: [{ role: 'user', speaker: 'Nate', messageId: 'm1', content: long }],
    });
    expect(drafts.length).toBeGreaterThan(3);
    drafts.forEach((draft, i) => {
      expect(draft.text.startsWith('Nate: This is sentence')).toBe(true);
      expect(draft.sources[0]).toMatchObject({ messageId: 'm1', chunkIndex: i });
      expect(draft.follows).toBe(i === 0 ? undefined : i - 1);
    });
  });

  it('does not crash on odd content', async () => {
    const drafts = await reader.readMessages({
      messages: [
        { role: 'user', content: '🎉🎉🎉' },
        { role: 'user', content: 'x'.repeat(5_000) },
        { role: 'user', speaker: '  ', content: 'Zürich café — 東京' },
        { role: 'user', speaker: 'S'.repeat(300), content: 'long speaker name' },
      ],
    });
    expect(drafts[0]?.key).toBe('🎉🎉🎉');
    expect(drafts.filter((d) => d.text.startsWith('x')).length).toBe(5);
    expect(drafts.at(-2)?.text).toBe('Zürich café — 東京');
    expect(drafts.at(-2)?.key).toBe('zurich cafe 東京');
    expect(drafts.at(-1)?.tags.every((t) => t.length <= 128)).toBe(true);
  });

  it('accepts Date and epoch-ms times', async () => {
    const at = Date.UTC(2023, 4, 8);
    const drafts = await reader.readMessages({ messages: [{ role: 'user', content: 'a', time: at }, { role: 'user', content: 'b', time: new Date(at) }] });
    expect(drafts.map((d) => d.validAt)).toEqual(['2023-05-08T00:00:00.000Z', '2023-05-08T00:00:00.000Z']);
  });

  it('throws ValidationError for malformed messages and times', async () => {
    const bad: [unknown, string][] = [
      [{ messages: 'hi' }, 'messages'],
      [{ messages: [null] }, 'messages[0]'],
      [{ messages: [{ role: 'user' }] }, 'messages[0].content'],
      [{ messages: [{ role: 'user', content: 42 }] }, 'messages[0].content'],
      [{ messages: [{ content: 'hi' }] }, 'messages[0].role'],
      [{ messages: [{ role: 'bot', content: 'hi' }] }, 'messages[0].role'],
      [{ messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'hi', time: '32 May, 2023' }] }, 'messages[1].time'],
      [{ messages: [{ role: 'user', content: 'hi', speaker: 7 }] }, 'messages[0].speaker'],
      [{ messages: [], sessionTime: 'someday' }, 'sessionTime'],
    ];
    for (const [input, field] of bad) {
      const error = await reader.readMessages(input as never).catch((e: unknown) => e);
      expect(error, field).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
    }
  });

  it('validates its options', () => {
    const bad: FastMemReaderOptions[] = [{ maxChunkChars: 10 }, { maxChunkChars: 100, chunkOverlapChars: 60 }, { maxKeyTerms: 0 }, { roles: ['bot' as 'user'] }];
    for (const options of bad) expect(() => createFastMemReader(options), JSON.stringify(options)).toThrow(ValidationError);
  });
});

describe('createFastMemReader: documents', () => {
  it('chunks a document into following document drafts', async () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}: ${'Memory systems store plaintext. '.repeat(4).trim()}`);
    const reader = createFastMemReader({ maxChunkChars: 400, chunkOverlapChars: 50 });
    const drafts = await reader.readDocument({ document: { text: paragraphs.join('\n\n'), path: 'docs/memos.md', title: 'MemOS' }, sessionId: 's9' });
    expect(drafts.length).toBeGreaterThan(2);
    drafts.forEach((draft, i) => {
      expect(draft.memoryType).toBe('document');
      expect(draft.text.length).toBeLessThanOrEqual(400);
      expect(draft.tags).toEqual(['document']);
      expect(draft.sources).toEqual([{ role: 'document', docPath: 'docs/memos.md', chunkIndex: i, sessionId: 's9' }]);
      expect(draft.metadata).toEqual({ title: 'MemOS' });
      expect(draft.follows).toBe(i === 0 ? undefined : i - 1);
      expect(draft.validAt).toBeUndefined();
      expect(draft.key.length).toBeGreaterThan(0);
    });
    const dated = await reader.readDocument({ document: { text: paragraphs.join('\n\n'), time: '2023-05-08T09:00:00Z' } });
    expect(dated.map((d) => d.validAt)).toStrictEqual(dated.map(() => '2023-05-08T09:00:00.000Z'));
    await expect(reader.readDocument({ document: { text: 'x', time: 'not a time' } })).rejects.toBeInstanceOf(ValidationError);
    expect(drafts[0]?.key).toBe('paragraph 0 memory systems store plaintext');
  });

  it('returns nothing for a blank document and leaves out an absent path and title', async () => {
    const reader = createFastMemReader();
    expect(await reader.readDocument({ document: { text: ' \n ' } })).toEqual([]);
    const [draft] = await reader.readDocument({ document: { text: 'Short note.' } });
    expect(draft).toEqual({ text: 'Short note.', key: 'short note', tags: ['document'], memoryType: 'document', sources: [{ role: 'document', chunkIndex: 0 }], metadata: {} });
  });

  it('throws ValidationError for a malformed document', async () => {
    const reader = createFastMemReader();
    await expect(reader.readDocument({ document: null as never })).rejects.toThrow(ValidationError);
    await expect(reader.readDocument({ document: { text: 5 as unknown as string } })).rejects.toThrow(ValidationError);
    await expect(reader.readDocument({ document: { text: 'x', path: 3 as unknown as string } })).rejects.toThrow(ValidationError);
  });
});
