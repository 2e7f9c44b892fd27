import type { RedactionMark } from '../spec/memory-item.ts';
import { passesLuhn } from './luhn.ts';
import type { RedactionResult, Redactor } from './redactor.ts';

/** Options of {@link createDefaultRedactor}. */
export interface DefaultRedactorOptions {
  /** What a masked value becomes; default `[redacted:<kind>]` (kind `email`, `phone` or `card`). */
  mask?: (kind: 'email' | 'phone' | 'card') => string;
  /** Kinds to mask. Default all three. */
  kinds?: readonly ('email' | 'phone' | 'card')[];
}

/** `local@domain.tld` (RFC 5322's common subset; no quoted local parts). */
const EMAIL = /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g;
/**
 * Card-number shapes, masked only when they pass Luhn: 13–19 contiguous digits, or 4-4-4-4(-1..3)
 * groups, or the 4-6-5 / 4-6-4 groups of Amex and Diners, with one kind of separator (space or dash).
 */
const CARD = /(?<!\d|\d[.,/])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5})(?!\d|[.,/-]\d)/g;
/**
 * Phone candidates: an optional `+country` prefix, an optional `(area)` group, then 2–4 digit
 * groups separated by a space, dash or dot (the first may be 1 digit); or `+` followed by 8–15 digits (E.164).
 */
const PHONE =
  /(?<![\w+\-/:]|\d[.])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,5}(?![\w\-/:]|[.]\d)|(?<![\w+])\+\d{8,15}(?![\w]|[.]\d)/g;
const ISO_DATE = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$/;
const YEAR = /^(?:1[89]|20)\d\d$/;

/** Whether a phone candidate looks like a phone number rather than a date, version, range or count. */
function isPhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  const international = candidate.startsWith('+');
  const area = candidate.includes('(');
  if (ISO_DATE.test(candidate)) return false;
  const groups = candidate.replace(/^\+\d{1,3}[ .-]?/, '').split(/[ .\-()]+/).filter((g) => g.length > 0);
  if (!international && !area) {
    // Dots: only the North American 3.3.4 form (else version numbers and IP addresses match).
    if (candidate.includes('.') && !/^\d{3}\.\d{3}\.\d{4}$/.test(candidate)) return false;
    // Plain groups: 10-11 digits (a national number with area code), not a list of years, at most
    // 4 groups, except the 2-digit groups of a national number that starts with 0 (01 42 68 53 00).
    if (digits.length < 10 || digits.length > 11) return false;
    if (groups.every((g) => YEAR.test(g))) return false;
    const pairs = groups.every((g) => g.length === 2);
    if (pairs ? !(groups[0] ?? '').startsWith('0') : groups.length > 4) return false;
  }
  return true;
}

/**
 * The default {@link Redactor}: masks e-mail addresses, phone numbers and payment-card numbers
 * (13–19 digits that pass the Luhn check; other long digit runs such as order ids stay). Phone
 * numbers are recognised by shape: `+` international numbers, `(area)` numbers, and grouped
 * national numbers of at least 10 digits; ISO dates, version numbers, IP addresses, year lists and
 * short numbers are left alone. Values are replaced by `[redacted:<kind>]`.
 *
 * @example
 * createDefaultRedactor().redact('mail ann@example.com or call +1 415 555 2671').text
 * // 'mail [redacted:email] or call [redacted:phone]'
 */
export function createDefaultRedactor(options: DefaultRedactorOptions = {}): Redactor {
  const mask = options.mask ?? ((kind) => `[redacted:${kind}]`);
  const kinds = new Set(options.kinds ?? ['email', 'phone', 'card']);
  return {
    name: 'default',
    redact(text: string): RedactionResult {
      const counts: Record<'email' | 'phone' | 'card', number> = { email: 0, card: 0, phone: 0 };
      let out = text;
      if (kinds.has('email')) {
        out = out.replace(EMAIL, () => {
          counts.email += 1;
          return mask('email');
        });
      }
      if (kinds.has('card')) {
        out = out.replace(CARD, (match) => {
          if (!passesLuhn(match.replace(/[ -]/g, ''))) return match;
          counts.card += 1;
          return mask('card');
        });
      }
      if (kinds.has('phone')) {
        out = out.replace(PHONE, (match) => {
          if (!isPhone(match)) return match;
          counts.phone += 1;
          return mask('phone');
        });
      }
      const marks: RedactionMark[] = (['email', 'phone', 'card'] as const).filter((kind) => counts[kind] > 0).map((kind) => ({ kind, count: counts[kind] }));
      return { text: out, marks };
    },
    countMasks(text: string): RedactionMark[] {
      return (['email', 'phone', 'card'] as const)
        .filter((kind) => kinds.has(kind))
        .map((kind) => ({ kind, count: text.split(mask(kind)).length - 1 }))
        .filter((mark) => mark.count > 0);
    },
  };
}
