import type { LanguageModelV4Prompt } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { injectMemoryMessage } from './inject-memory-message.ts';
import { latestUserText } from './latest-user-text.ts';

const user = (text: string): LanguageModelV4Prompt[number] => ({ role: 'user', content: [{ type: 'text', text }] });

describe('injectMemoryMessage', () => {
  it('goes after the leading system messages, without changing the input', () => {
    const prompt: LanguageModelV4Prompt = [{ role: 'system', content: 'a' }, { role: 'system', content: 'b' }, user('hi'), { role: 'system', content: 'late' }];
    const copy = structuredClone(prompt);
    expect(injectMemoryMessage(prompt, 'MEM').map((m) => (m.role === 'system' ? m.content : m.role))).toEqual(['a', 'b', 'MEM', 'user', 'late']);
    expect(prompt).toEqual(copy);
  });

  it('goes first when there is no system message', () => {
    expect(injectMemoryMessage([user('hi')], 'MEM')[0]).toEqual({ role: 'system', content: 'MEM' });
  });
});

describe('latestUserText', () => {
  it('reads the last user message with text, joining its text parts', () => {
    const prompt: LanguageModelV4Prompt = [
      user('first'),
      { role: 'user', content: [{ type: 'text', text: 'second' }, { type: 'file', mediaType: 'image/png', data: { type: 'url', url: new URL('https://example.test/x.png') } }, { type: 'text', text: 'part' }] },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c', toolName: 't', input: {} }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c', toolName: 't', output: { type: 'text', value: 'r' } }] },
    ];
    expect(latestUserText(prompt)).toBe('second\npart');
    expect(latestUserText([{ role: 'system', content: 's' }])).toBe('');
  });
});
