import type { MetadataValue, RedactionMark } from '../spec/memory-item.ts';
import { mergeRedactionMarks, type Redactor } from './redactor.ts';

/** The stored strings of a memory (or of a change to one) that redaction covers. */
export interface RedactableFields {
  text?: string | undefined;
  key?: string | undefined;
  tags?: string[] | undefined;
  metadata?: Record<string, MetadataValue> | undefined;
}

/**
 * Runs the redactor over text, key, every tag and every string metadata value (metadata keys are
 * names, not data, and are kept); returns the masked fields (absent ones stay absent; tags that
 * become equal are kept once) and the marks of all of them together.
 */
export function redactFields<T extends RedactableFields>(redactor: Redactor, fields: T): { fields: T; marks: RedactionMark[] } {
  const found: RedactionMark[][] = [];
  const pass = (value: string): string => {
    const result = redactor.redact(value);
    if (result.marks.length > 0) found.push(result.marks);
    return result.text;
  };
  const out: T = { ...fields };
  if (fields.text !== undefined) out.text = pass(fields.text);
  if (fields.key !== undefined) out.key = pass(fields.key);
  if (fields.tags !== undefined) out.tags = [...new Set(fields.tags.map(pass))];
  if (fields.metadata !== undefined) {
    out.metadata = Object.fromEntries(Object.entries(fields.metadata).map(([key, value]) => [key, typeof value === 'string' ? pass(value) : value]));
  }
  return { fields: out, marks: mergeRedactionMarks(...found) };
}
