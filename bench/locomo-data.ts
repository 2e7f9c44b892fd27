import { readFile } from 'node:fs/promises';

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

/** Reads the data set (kept outside the repository; licence CC BY-NC 4.0). */
export async function readLocomo(path: string): Promise<LocomoConversation[]> {
  const data = JSON.parse(await readFile(path, 'utf8')) as LocomoConversation[];
  if (!Array.isArray(data)) throw new Error(`${path}: expected a JSON array of conversations`);
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
