import { z } from 'zod';
import { InputTooLargeError } from '../errors/input-too-large-error.ts';
import { ValidationError } from '../errors/validation-error.ts';

/**
 * Parses `input` with a zod schema and turns the first issue into a typed error
 * (`InputTooLargeError` for a `too_big` issue, `ValidationError` otherwise).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root: string): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ValidationError(root, 'is invalid');
  const field = [root, ...issue.path.map(String)].reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part}`));
  if (issue.code === 'too_big' && typeof issue.maximum === 'number' || issue.code === 'too_big' && typeof issue.maximum === 'bigint') {
    const actual = actualSize(issue.input);
    if (actual !== undefined) throw new InputTooLargeError(field, Number(issue.maximum), actual);
  }
  throw new ValidationError(field, issue.message);
}

function actualSize(value: unknown): number | undefined {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (typeof value === 'number') return value;
  return undefined;
}
