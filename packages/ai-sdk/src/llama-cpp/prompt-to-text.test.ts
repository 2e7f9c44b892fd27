import { DependencyFailedError } from '@memos-js/core';
import { describe, expect, it } from 'vitest';
import { loadNodeLlamaCpp } from './load-node-llama-cpp.ts';
import { promptToText } from './prompt-to-text.ts';

describe('promptToText', () => {
  it('renders system messages first, then labelled turns, ending with the assistant label', () => {
    const text = promptToText([
      { role: 'system', content: 'You are kind.' },
      { role: 'system', content: 'Memories:\n- likes tea' },
      { role: 'user', content: [{ type: 'text', text: 'Hi!' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }, { type: 'tool-call', toolCallId: 'c1', toolName: 'searchMemories', input: { query: 'tea' } }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'searchMemories', output: { type: 'json', value: { memories: [] } } }] },
      { role: 'user', content: [{ type: 'text', text: 'What do I like?' }, { type: 'file', mediaType: 'image/png', data: { type: 'url', url: new URL('https://example.test/a.png') } }] },
    ]);
    expect(text).toBe(
      [
        'You are kind.',
        '',
        'Memories:',
        '- likes tea',
        '',
        'User: Hi!',
        'Assistant: Hello.',
        '[tool-call searchMemories {"query":"tea"}]',
        'Tool: [tool-result searchMemories {"type":"json","value":{"memories":[]}}]',
        'User: What do I like?',
        '[file: image/png]',
        'Assistant:',
      ].join('\n'),
    );
  });

  it('has no system block when there are no system messages', () => {
    expect(promptToText([{ role: 'user', content: [{ type: 'text', text: 'Once upon a time' }] }])).toBe('User: Once upon a time\nAssistant:');
  });
});

describe('loadNodeLlamaCpp', () => {
  it('turns a missing package into a DependencyMissingError naming the install command', async () => {
    const missing = Object.assign(new Error("Cannot find package 'node-llama-cpp'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const error = await loadNodeLlamaCpp('createLlamaCppLanguageModel', () => Promise.reject(missing)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MEMOS_DEPENDENCY_MISSING', packageName: 'node-llama-cpp', installCommand: 'npm install node-llama-cpp', cause: missing });
  });

  it('turns other import failures into a DependencyFailedError with the original as cause', async () => {
    const broken = new Error('native addon failed');
    const error = await loadNodeLlamaCpp('x', () => Promise.reject(broken)).catch((e: unknown) => e);
    expect(DependencyFailedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'MEMOS_DEPENDENCY_FAILED', packageName: 'node-llama-cpp', feature: 'x', reason: 'native addon failed', cause: broken });
  });
});
