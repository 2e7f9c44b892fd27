/**
 * Parses the times callers attach to chats and messages into ISO-8601 UTC strings.
 *
 * Accepted:
 * - `Date` objects and epoch milliseconds (`number`);
 * - ISO-8601 dates and date-times, with or without an offset: `2023-05-08`, `2023-05-08T13:56`,
 *   `2023-05-08 13:56:07.123`, `2023-05-08T13:56:00+02:00`, `...Z`;
 * - human dates as in LoCoMo and RFC 2822 headers, in any order of day / month name / 4-digit
 *   year, with an optional 12-hour (`1:56 pm`, `10 am`) or 24-hour (`13:56`, `13:56:07`) time,
 *   optional weekday, ordinal suffixes and the fillers `on`/`at`/`of`/`the`:
 *   `1:56 pm on 8 May, 2023`, `May 8, 2023`, `8 May 2023`, `Monday, May 8th 2023 at 10:37 am`,
 *   `Mon, 08 May 2023 13:56:00 GMT`, `8 May 2023 13:56 +0200`; and `2023/05/08`.
 *
 * A time without a zone or offset is taken as **UTC** (chat logs rarely say their zone, and a
 * fixed rule keeps results independent of the machine's time zone). Invalid calendar dates
 * (`32 May, 2023`, `2023-02-29`, `13:60`, `0:30 pm`) give `undefined` instead of rolling over, and
 * so does anything ambiguous or unknown (`05/08/2023`, `May 2023`, `yesterday`, zone names other
 * than UTC/GMT). Numbers are always milliseconds, never seconds.
 *
 * @returns the instant as `Date.prototype.toISOString()` output, or `undefined` when unparseable.
 */
export function parseChatTime(input: string | Date | number): string | undefined {
  if (input instanceof Date) return toIso(input.getTime());
  if (typeof input === 'number') return toIso(input);
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (text === '' || text.length > 200) return undefined;
  return parseIso(text) ?? parseHuman(text);
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Minutes east of UTC. */
  offset: number;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function parseIso(text: string): string | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const offset = m[8] === undefined ? 0 : parseOffset(m[8]);
  if (offset === undefined) return undefined;
  return build({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: m[4] === undefined ? 0 : Number(m[4]),
    minute: m[5] === undefined ? 0 : Number(m[5]),
    second: m[6] === undefined ? 0 : Number(m[6]),
    millisecond: m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0')),
    offset,
  });
}

const MONTHS: ReadonlyMap<string, number> = new Map(
  ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'].flatMap(
    (name, i): [string, number][] => [
      [name, i + 1],
      [name.slice(0, 3), i + 1],
    ],
  ),
).set('sept', 9);
const WEEKDAYS: ReadonlySet<string> = new Set(
  ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].flatMap((d) => [d, d.slice(0, 3)]).concat(['tues', 'thur', 'thurs']),
);
const FILLERS: ReadonlySet<string> = new Set(['on', 'at', 'of', 'the']);
const TIME_12 = /(?<![\d:])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])\.?\s?m\b\.?/;
const TIME_24 = /(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?![\d:])/;
const ZONE = /(?:\b(?:utc|gmt)\s*)?([+-]\d{2}:?\d{2})\s*$|\b(?:utc|gmt|z)\s*$/;

function parseHuman(input: string): string | undefined {
  let s = ` ${input.toLowerCase()} `;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millisecond = 0;
  const t12 = TIME_12.exec(s);
  if (t12) {
    const h = Number(t12[1]);
    if (h < 1 || h > 12) return undefined;
    hour = (h % 12) + (t12[4] === 'p' ? 12 : 0);
    minute = t12[2] === undefined ? 0 : Number(t12[2]);
    second = t12[3] === undefined ? 0 : Number(t12[3]);
    s = s.replace(t12[0], ' ');
  } else {
    const t24 = TIME_24.exec(s);
    if (t24) {
      hour = Number(t24[1]);
      minute = Number(t24[2]);
      second = t24[3] === undefined ? 0 : Number(t24[3]);
      millisecond = t24[4] === undefined ? 0 : Number(t24[4].slice(0, 3).padEnd(3, '0'));
      s = s.replace(t24[0], ' ');
    }
  }
  let offset = 0;
  const zone = ZONE.exec(s);
  if (zone) {
    if (zone[1] !== undefined) {
      const parsed = parseOffset(zone[1]);
      if (parsed === undefined) return undefined;
      offset = parsed;
    }
    s = s.slice(0, zone.index);
  }
  const tokens = s
    .replace(/[,.]/g, ' ')
    .split(/\s+/)
    .filter((t) => t !== '' && !FILLERS.has(t) && !WEEKDAYS.has(t));
  const date = tokens.length === 1 ? slashDate(tokens[0] ?? '') : namedDate(tokens);
  if (!date) return undefined;
  return build({ ...date, hour, minute, second, millisecond, offset });
}

/** `2023/05/08` (year first only: `05/08/2023` is ambiguous between US and European order). */
function slashDate(token: string): Pick<Parts, 'year' | 'month' | 'day'> | undefined {
  const m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(token);
  return m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : undefined;
}

/** Exactly one month name, one 1-2 digit day (optionally ordinal) and one 4-digit year, any order. */
function namedDate(tokens: string[]): Pick<Parts, 'year' | 'month' | 'day'> | undefined {
  if (tokens.length !== 3) return undefined;
  let year: number | undefined;
  let month: number | undefined;
  let day: number | undefined;
  for (const token of tokens) {
    const named = MONTHS.get(token);
    const ordinal = /^(\d{1,2})(?:st|nd|rd|th)?$/.exec(token);
    if (named !== undefined && month === undefined) month = named;
    else if (/^\d{4}$/.test(token) && year === undefined) year = Number(token);
    else if (ordinal && day === undefined) day = Number(ordinal[1]);
    else return undefined;
  }
  return year !== undefined && month !== undefined && day !== undefined ? { year, month, day } : undefined;
}

/** `+02:00`, `+0200`, `-05`, `Z` to minutes east of UTC. */
function parseOffset(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 23 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function build(p: Parts): string | undefined {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysInMonth(p.year, p.month)) return undefined;
  if (p.hour > 23 || p.minute > 59 || p.second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(p.year, p.month - 1, p.day); // setUTCFullYear keeps years 0-99 literal
  date.setUTCHours(p.hour, p.minute, p.second, p.millisecond);
  return toIso(date.getTime() - p.offset * 60_000);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function toIso(ms: number): string | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}
