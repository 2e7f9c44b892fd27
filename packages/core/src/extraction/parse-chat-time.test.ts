import { describe, expect, it } from 'vitest';
import { parseChatTime } from './parse-chat-time.ts';

describe('parseChatTime', () => {
  const valid: [string | Date | number, string][] = [
    // LoCoMo session times
    ['1:56 pm on 8 May, 2023', '2023-05-08T13:56:00.000Z'],
    ['10:37 am on 27 June, 2023', '2023-06-27T10:37:00.000Z'],
    ['8:56 pm on 20 July, 2023', '2023-07-20T20:56:00.000Z'],
    ['12:09 am on 13 September, 2023', '2023-09-13T00:09:00.000Z'],
    ['12:28 pm on 8 November, 2023', '2023-11-08T12:28:00.000Z'],
    ['  4:37 PM on 10 December, 2023 ', '2023-12-10T16:37:00.000Z'],
    // human dates
    ['May 8, 2023', '2023-05-08T00:00:00.000Z'],
    ['8 May 2023', '2023-05-08T00:00:00.000Z'],
    ['8 May, 2023', '2023-05-08T00:00:00.000Z'],
    ['May 8th, 2023', '2023-05-08T00:00:00.000Z'],
    ['Monday, May 8th 2023 at 10:37 am', '2023-05-08T10:37:00.000Z'],
    ['Sept 1, 2023', '2023-09-01T00:00:00.000Z'],
    ['1 Feb 2024 10 p.m.', '2024-02-01T22:00:00.000Z'],
    ['29 February 2024', '2024-02-29T00:00:00.000Z'],
    ['2023 May 8', '2023-05-08T00:00:00.000Z'],
    ['8 May 2023 13:56', '2023-05-08T13:56:00.000Z'],
    ['8 May 2023 13:56 UTC', '2023-05-08T13:56:00.000Z'],
    ['8 May 2023 13:56 +0200', '2023-05-08T11:56:00.000Z'],
    ['Mon, 08 May 2023 13:56:07 GMT', '2023-05-08T13:56:07.000Z'],
    ['2023/05/08', '2023-05-08T00:00:00.000Z'],
    // ISO-8601
    ['2023-05-08', '2023-05-08T00:00:00.000Z'],
    ['2023-05-08 13:56', '2023-05-08T13:56:00.000Z'],
    ['2023-05-08T13:56:07', '2023-05-08T13:56:07.000Z'],
    ['2023-05-08T13:56:07.1234Z', '2023-05-08T13:56:07.123Z'],
    ['2023-05-08T13:56:07.5+02:00', '2023-05-08T11:56:07.500Z'],
    ['2023-05-08T13:56-0530', '2023-05-08T19:26:00.000Z'],
    ['2023-05-08T00:30:00+01', '2023-05-07T23:30:00.000Z'],
    ['0099-01-01', '0099-01-01T00:00:00.000Z'],
    // Date and epoch ms
    [new Date('2023-05-08T13:56:00Z'), '2023-05-08T13:56:00.000Z'],
    [Date.UTC(2023, 4, 8, 13, 56), '2023-05-08T13:56:00.000Z'],
    [0, '1970-01-01T00:00:00.000Z'],
  ];

  it.each(valid)('parses %j', (input, expected) => {
    expect(parseChatTime(input)).toBe(expected);
  });

  const invalid: (string | Date | number)[] = [
    '',
    '   ',
    '32 May, 2023',
    '1:56 pm on 32 May, 2023',
    '29 February 2023',
    '31 April 2023',
    '2023-02-29',
    '2023-13-01',
    '2023-05-08T24:00',
    '2023-05-08T13:60',
    '2023-05-08T13:56:60',
    '2023-05-08T13:56+25:00',
    '13:56 pm on 8 May, 2023',
    '0:30 am on 8 May, 2023',
    '05/08/2023',
    'May 2023',
    '8 May',
    'yesterday',
    'next Tuesday',
    '8 Mayo 2023',
    '8 May 2023 13:56 PST',
    '8 May 2023 2024',
    'May May 2023',
    '1683554160000',
    'x'.repeat(500),
    new Date(Number.NaN),
    Number.NaN,
    Number.POSITIVE_INFINITY,
    9e15,
  ];

  it.each(invalid)('returns undefined for %j', (input) => {
    expect(parseChatTime(input)).toBeUndefined();
  });

  it('returns undefined for values of the wrong type instead of throwing', () => {
    expect(parseChatTime(null as unknown as string)).toBeUndefined();
    expect(parseChatTime({} as unknown as string)).toBeUndefined();
  });

  it('does not depend on the process time zone', () => {
    // Zone-less times are UTC by definition; Date.parse would use the local zone for these.
    expect(parseChatTime('2023-05-08T13:56')).toBe('2023-05-08T13:56:00.000Z');
    expect(parseChatTime('May 8, 2023')).toBe('2023-05-08T00:00:00.000Z');
  });
});
