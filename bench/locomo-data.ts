import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** One LoCoMo turn. */
export interface LocomoTurn {
  speaker: string;
  dia_id: string;
  text: string;
  blip_caption?: string;
}

/** One LoCoMo question. */
export interface LocomoQuestion {
  question: string;
  answer?: unknown;
  evidence?: string[];
  category: number;
}

/** One LoCoMo conversation (only the fields the benchmark reads). */
export interface LocomoConversation {
  sample_id: string;
  conversation: Record<string, unknown> & { speaker_a: string; speaker_b: string };
  qa: LocomoQuestion[];
}

/** A session of a conversation, in order. */
export interface LocomoSession {
  index: number;
  time: string | undefined;
  turns: LocomoTurn[];
}

/** Exit code of a benchmark started without its data set (or with an unreadable one). */
export const EXIT_NO_DATA = 2;

/** Where the LoCoMo JSON file came from (never shipped with the project: its licence is CC BY-NC 4.0). */
export interface LocomoSource {
  /** The file path, or null when none of the places has the file. */
  path: string | null;
  /** Every place looked at, in order, for the message when it is missing. */
  tried: string[];
}

/**
 * Finds the data set: `--data PATH`, else `$MEMOS_LOCOMO_PATH`, else `../shared/data/locomo-dev.json` beside the
 * clone when that exists. An explicit path is used as given (a missing one is reported, not replaced).
 */
export function locateLocomo(options: { data: string | undefined; env: string | undefined; repoRoot: string }): LocomoSource {
  if (options.data) return { path: resolve(options.data), tried: [`--data ${resolve(options.data)}`] };
  if (options.env) return { path: resolve(options.env), tried: [`MEMOS_LOCOMO_PATH=${resolve(options.env)}`] };
  const shared = resolve(join(options.repoRoot, '..', 'shared', 'data', 'locomo-dev.json'));
  return existsSync(shared) ? { path: shared, tried: [shared] } : { path: null, tried: ['--data (not given)', 'MEMOS_LOCOMO_PATH (not set)', shared] };
}

/** The paragraph a benchmark prints when it has no LoCoMo data (what it is, licence, download, flags). */
export function locomoHelp(command: string, problem: string): string {
  return [
    `${command}: ${problem}`,
    '',
    'LoCoMo (Maharana et al., ACL 2024, "Evaluating Very Long-Term Conversational Memory of LLM Agents", arXiv:2402.17753)',
    'is a data set of 10 very long multi-session conversations with about 2,000 questions, each citing the turns that',
    'hold its answer; this benchmark ingests every turn and measures how often retrieval finds that evidence. Its licence',
    'is CC BY-NC 4.0 (non-commercial use only), so the project does not ship it. Download data/locomo10.json from',
    'https://github.com/snap-research/LoCoMo (for example: curl -L -o locomo10.json',
    'https://raw.githubusercontent.com/snap-research/LoCoMo/main/data/locomo10.json), then run',
    `\`${command}${command.startsWith('npm run') ? ' --' : ''} --data /path/to/locomo10.json\` or set MEMOS_LOCOMO_PATH=/path/to/locomo10.json.`,
  ].join('\n');
}

/**
 * Loads the data set for a benchmark (`command`: how the user runs it, e.g. `npm run bench:locomo`), or prints {@link locomoHelp} and exits with {@link EXIT_NO_DATA}
 * (no stack trace) when it is missing or is not a LoCoMo JSON array.
 */
export async function loadLocomoOrExit(command: string, options: { data: string | undefined; env: string | undefined; repoRoot: string }): Promise<{ path: string; conversations: LocomoConversation[] }> {
  const source = locateLocomo(options);
  let problem: string;
  if (source.path === null) {
    problem = `no LoCoMo data set found (looked at: ${source.tried.join('; ')}).`;
  } else {
    try {
      return { path: source.path, conversations: await readLocomo(source.path) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = (error as Error).message.replace(`${source.path}: `, '');
      problem = code === 'ENOENT' ? `${source.tried[0]}: no such file.` : `${source.path} could not be read as LoCoMo data: ${reason}`;
    }
  }
  process.stderr.write(`${locomoHelp(command, problem)}\n`);
  process.exit(EXIT_NO_DATA);
}

/** Reads the data set (kept outside the repository; licence CC BY-NC 4.0). */
export async function readLocomo(path: string): Promise<LocomoConversation[]> {
  const data = JSON.parse(await readFile(path, 'utf8')) as LocomoConversation[];
  if (!Array.isArray(data) || data.some((c) => typeof c !== 'object' || c === null || !Array.isArray(c.qa) || typeof c.conversation !== 'object')) {
    throw new Error(`${path}: expected a JSON array of conversations (sample_id, conversation, qa)`);
  }
  return data;
}

/** Sessions of a conversation in order (`session_1`, `session_2`, ...). */
export function sessionsOf(conversation: LocomoConversation): LocomoSession[] {
  const sessions: LocomoSession[] = [];
  for (const key of Object.keys(conversation.conversation)) {
    const match = /^session_(\d+)$/.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    const time = conversation.conversation[`session_${index}_date_time`];
    sessions.push({ index, time: typeof time === 'string' ? time : undefined, turns: conversation.conversation[key] as LocomoTurn[] });
  }
  return sessions.sort((a, b) => a.index - b.index);
}

/** Evidence dia_ids of a question, normalised ("D1:3"), tolerant of the data set's odd separators. */
export function evidenceOf(question: LocomoQuestion): string[] {
  const ids = (question.evidence ?? []).flatMap((e) => String(e).split(/[;,\s]+/)).map((e) => e.trim()).filter((e) => /^D\d+:\d+$/.test(e));
  return [...new Set(ids)];
}

/** The text of a turn as ingested: the image caption is appended when the turn shared a photo. */
export function turnText(turn: LocomoTurn): string {
  return turn.blip_caption ? `${turn.text} [shared a photo: ${turn.blip_caption}]` : turn.text;
}
