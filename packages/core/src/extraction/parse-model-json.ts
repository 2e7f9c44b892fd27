/** The result of {@link parseModelJson}: the parsed value, or why the text is not JSON. */
export type ParsedModelJson = { ok: true; value: unknown } | { ok: false; reason: string };

const FENCE = /^\s*```[a-zA-Z0-9_-]*[ \t]*\r?\n?([\s\S]*?)\r?\n?\s*```\s*$/;

/**
 * Removes one surrounding Markdown code fence (```` ```json ... ``` ````) and surrounding whitespace.
 * Text without a fence is only trimmed.
 */
export function stripCodeFences(text: string): string {
  const match = FENCE.exec(text);
  return (match?.[1] ?? text).trim();
}

/**
 * Parses a model's JSON answer: strips a code fence, then parses; when that fails, parses the span
 * from the first `{` (or `[`) to the last `}` (or `]`), so a sentence before or after the object is
 * tolerated. Never throws.
 */
export function parseModelJson(text: string): ParsedModelJson {
  const stripped = stripCodeFences(text);
  if (stripped === '') return { ok: false, reason: 'the answer is empty' };
  const first = tryParse(stripped);
  if (first.ok) return first;
  for (const [open, close] of [['{', '}'], ['[', ']']] as const) {
    const start = stripped.indexOf(open);
    const end = stripped.lastIndexOf(close);
    if (start < 0 || end <= start || (start === 0 && end === stripped.length - 1)) continue;
    const inner = tryParse(stripped.slice(start, end + 1));
    if (inner.ok) return inner;
  }
  return first;
}

function tryParse(text: string): ParsedModelJson {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
