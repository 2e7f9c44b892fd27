import { describe, expect, it } from 'vitest';
import { createDefaultRedactor } from './default-redactor.ts';
import { passesLuhn } from './luhn.ts';
import { mergeRedactionMarks } from './redactor.ts';

const redactor = createDefaultRedactor();
const redact = (text: string) => redactor.redact(text);

describe('passesLuhn', () => {
  it('accepts valid card numbers and rejects near misses and non-digits', () => {
    for (const valid of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '79927398713']) expect(passesLuhn(valid)).toBe(true);
    for (const invalid of ['4111111111111112', '1234567812345678', '79927398710', '', '4111 1111', 'abcd']) expect(passesLuhn(invalid)).toBe(false);
  });
});

describe('createDefaultRedactor', () => {
  it('masks e-mail addresses', () => {
    expect(redact('Write to ann.lee+work@mail.example.co.uk, or bob@example.com.')).toStrictEqual({
      text: 'Write to [redacted:email], or [redacted:email].',
      marks: [{ kind: 'email', count: 2 }],
    });
  });

  it('masks card numbers that pass Luhn, with or without separators', () => {
    expect(redact('Visa 4111 1111 1111 1111, MC 5555-5555-5555-4444, Amex 378282246310005, Amex 3782 822463 10005').text).toBe(
      'Visa [redacted:card], MC [redacted:card], Amex [redacted:card], Amex [redacted:card]',
    );
    expect(redact('card 4111111111111111').marks).toStrictEqual([{ kind: 'card', count: 1 }]);
    expect(redact('Pay with 4111111111111111.').text).toBe('Pay with [redacted:card].');
  });

  it('leaves digit runs that fail Luhn (order ids, tracking numbers) alone', () => {
    for (const text of ['order 1234567812345678 shipped', 'ORD-4111111111111112', 'tracking 9400 1000 0000 0000 0000 01', 'ref 12345678901234']) {
      expect(redact(text), text).toStrictEqual({ text, marks: [] });
    }
  });

  it('masks phone numbers in common international and national shapes', () => {
    const cases = ['+1 (415) 555-2671', '+44 20 7946 0958', '(415) 555 2671', '415-555-2671', '415.555.2671', '+14155552671', '+33 1 42 68 53 00', '030 1234 5678', '01 42 68 53 00', '1 415 555 2671'];
    for (const phone of cases) expect(redact(`call ${phone} today`), phone).toStrictEqual({ text: 'call [redacted:phone] today', marks: [{ kind: 'phone', count: 1 }] });
  });

  it('finds a phone number at the end of a sentence', () => {
    expect(redact('Reach me at 415-555-2671. Thanks').text).toBe('Reach me at [redacted:phone]. Thanks');
  });

  it('leaves dates, times, versions, IP addresses, years, amounts and short numbers alone', () => {
    const texts = [
      'On 2023-05-08 at 13:45 we met',
      'timestamp 2023-05-08T13:45:00.000Z',
      'released v1.2.3 and 10.0.19045.2006',
      'server 192.168.100.12 is up',
      'from 2019-2023, and 1990 2000 2010',
      'between 2020 2021 2022',
      'paid $1,234,567.89 for 3 items',
      'room 555-1234',
      'pi is 3.14159265358979',
      'dates 08/05/2023 and 8.5.2023',
      'scores 12 34 12 34 12 34 56 78',
      'table 123 456 789 012 345',
      'ids 4111 11 1111 1111 11',
    ];
    for (const text of texts) expect(redact(text), text).toStrictEqual({ text, marks: [] });
  });

  it('counts every kind in one text and is idempotent', () => {
    const first = redact('ann@example.com, 4111-1111-1111-1111, +1 415 555 2671 and bob@example.org');
    expect(first.marks).toStrictEqual([{ kind: 'email', count: 2 }, { kind: 'phone', count: 1 }, { kind: 'card', count: 1 }]);
    expect(redact(first.text)).toStrictEqual({ text: first.text, marks: [] });
  });

  it('counts its own masks in a text (for inputs masked before the reader)', () => {
    const masked = redact('a@b.io, c@d.io and 4111111111111111').text;
    expect(redactor.countMasks?.(masked)).toStrictEqual([{ kind: 'email', count: 2 }, { kind: 'card', count: 1 }]);
    expect(redactor.countMasks?.('plain')).toStrictEqual([]);
  });

  it('honours kinds and a custom mask', () => {
    const emailsOnly = createDefaultRedactor({ kinds: ['email'], mask: (kind) => `<${kind}>` });
    expect(emailsOnly.redact('ann@example.com 4111111111111111').text).toBe('<email> 4111111111111111');
  });
});

describe('mergeRedactionMarks', () => {
  it('sums by kind in first-seen order and drops zeros', () => {
    expect(mergeRedactionMarks([{ kind: 'email', count: 1 }], undefined, [{ kind: 'card', count: 2 }, { kind: 'email', count: 2 }, { kind: 'x', count: 0 }])).toStrictEqual([
      { kind: 'email', count: 3 },
      { kind: 'card', count: 2 },
    ]);
  });
});
