import { ValidationError } from '../errors/validation-error.ts';
import { parseChatTime } from '../extraction/index.ts';

/** Normalises a user-supplied time (ISO, human chat time, Date, epoch ms) to ISO-8601 UTC, or throws `ValidationError`. */
export function toIsoTime(value: string | Date | number, field: string): string {
  const iso = parseChatTime(value);
  if (iso === undefined) throw new ValidationError(field, `${JSON.stringify(String(value))} is not a recognisable time`);
  return iso;
}

/** `toIsoTime` for optional values. */
export function toOptionalIsoTime(value: string | Date | number | undefined, field: string): string | undefined {
  return value === undefined ? undefined : toIsoTime(value, field);
}
