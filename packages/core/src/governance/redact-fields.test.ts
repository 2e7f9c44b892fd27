import { describe, expect, it } from 'vitest';
import { createDefaultRedactor } from './default-redactor.ts';
import { redactFields } from './redact-fields.ts';

describe('redactFields', () => {
  it('masks text, key, tags and string metadata values, and sums the marks', () => {
    const { fields, marks } = redactFields(createDefaultRedactor(), {
      text: 'mail ann@example.com or +1 415 555 2671',
      key: 'ann@example.com',
      tags: ['ann@example.com', 'bob@example.com', 'plain'],
      metadata: { 'owner@example.com': 'card 4111 1111 1111 1111', n: 4111111111111111, flag: true, none: null },
      other: 'kept as is ann@example.com',
    });
    expect(fields).toStrictEqual({
      text: 'mail [redacted:email] or [redacted:phone]',
      key: '[redacted:email]',
      tags: ['[redacted:email]', 'plain'],
      metadata: { 'owner@example.com': 'card [redacted:card]', n: 4111111111111111, flag: true, none: null },
      other: 'kept as is ann@example.com',
    });
    expect(marks).toStrictEqual([{ kind: 'email', count: 4 }, { kind: 'phone', count: 1 }, { kind: 'card', count: 1 }]);
  });

  it('leaves absent fields absent', () => {
    expect(redactFields(createDefaultRedactor(), { text: 'nothing here' })).toStrictEqual({ fields: { text: 'nothing here' }, marks: [] });
  });
});
