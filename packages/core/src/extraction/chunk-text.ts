/** Options for {@link chunkText}. */
export interface ChunkTextOptions {
  /** The text to split. */
  text: string;
  /** Longest chunk, in UTF-16 code units (`string.length`). */
  maxChars: number;
  /**
   * How much of the end of a chunk is repeated at the start of the next, at most: whole trailing
   * sentences when they fit, else the last words. Must be at most `maxChars / 2`.
   */
  overlapChars: number;
}

interface Unit {
  text: string;
  /** Separator placed before this unit when it follows another in a chunk. */
  sep: string;
}

/**
 * Splits text into chunks of at most `maxChars`, preferring paragraph boundaries (blank lines),
 * then sentence boundaries, then whitespace; a word longer than a chunk is cut (never inside a
 * surrogate pair, so emoji survive). Consecutive chunks overlap by up to `overlapChars`.
 * Whitespace-only text gives no chunks.
 */
export function chunkText(options: ChunkTextOptions): string[] {
  const { maxChars, overlapChars } = options;
  const chunks: string[] = [];
  let current: Unit[] = [];
  let length = 0;
  for (const unit of splitUnits(options.text, maxChars)) {
    const added = current.length === 0 ? unit.text.length : unit.sep.length + unit.text.length;
    if (length + added <= maxChars) {
      current.push(unit);
      length += added;
      continue;
    }
    chunks.push(join(current));
    const overlap = tail(current, overlapChars);
    current = [];
    length = 0;
    if (overlap !== undefined && overlap.length + unit.sep.length + unit.text.length <= maxChars) {
      current.push({ text: overlap, sep: '' });
      length = overlap.length;
    }
    current.push(unit);
    length += current.length === 1 ? unit.text.length : unit.sep.length + unit.text.length;
  }
  if (current.length > 0) chunks.push(join(current));
  return chunks;
}

function join(units: Unit[]): string {
  return units.map((unit, i) => (i === 0 ? unit.text : unit.sep + unit.text)).join('');
}

/** The overlap carried into the next chunk: whole trailing units when they fit, else the last words. */
function tail(units: Unit[], overlapChars: number): string | undefined {
  if (overlapChars <= 0 || units.length === 0) return undefined;
  let start = units.length;
  let size = 0;
  while (start > 0) {
    const unit = units[start - 1];
    if (!unit) break;
    const added = unit.text.length + (start < units.length ? (units[start]?.sep.length ?? 0) : 0);
    if (size + added > overlapChars) break;
    size += added;
    start--;
  }
  if (start < units.length) return join(units.slice(start));
  const last = units[units.length - 1]?.text ?? '';
  let cut = safeCut(last, last.length - overlapChars);
  const space = last.slice(cut).search(/\s/);
  if (space >= 0 && space < overlapChars / 2) cut += space;
  const text = last.slice(cut).trim();
  return text === '' ? undefined : text;
}

/** Paragraphs, or the sentences (or hard pieces) of paragraphs longer than `maxChars`. */
function splitUnits(text: string, maxChars: number): Unit[] {
  const units: Unit[] = [];
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n\s*/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const paragraph of paragraphs) {
    if (paragraph.length <= maxChars) {
      units.push({ text: paragraph, sep: '\n\n' });
      continue;
    }
    let first = true;
    for (const sentence of splitSentences(paragraph)) {
      for (const piece of sentence.length <= maxChars ? [sentence] : hardSplit(sentence, maxChars)) {
        units.push({ text: piece, sep: first ? '\n\n' : ' ' });
        first = false;
      }
    }
  }
  return units;
}

function splitSentences(paragraph: string): string[] {
  return paragraph
    .split(/(?<=[.!?…。！？]['"”’)\]]?)\s+|\s*\n\s*/u)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Cuts at the last whitespace in the second half of each window, else at `maxChars`. */
function hardSplit(sentence: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = sentence;
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars + 1);
    const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\t'));
    const cut = space > maxChars / 2 ? space : safeCut(rest, maxChars);
    const piece = rest.slice(0, cut).trim();
    if (piece !== '') pieces.push(piece);
    rest = rest.slice(cut).trim();
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

/** Moves a cut position off the middle of a surrogate pair (keeps it in 1..length-1 where possible). */
function safeCut(text: string, at: number): number {
  let cut = Math.max(0, Math.min(at, text.length));
  const code = text.charCodeAt(cut);
  if (cut > 0 && code >= 0xdc00 && code <= 0xdfff) cut = cut - 1 > 0 ? cut - 1 : cut + 1;
  return cut;
}
