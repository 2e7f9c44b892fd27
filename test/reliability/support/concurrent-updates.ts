/**
 * Writers that update the same items at the same time (in one runtime, in two runtimes, in two
 * processes) and the check that nothing was lost, duplicated or torn: each item's versions run
 * 1..n without gaps, n is 1 + the updates acknowledged by all writers together, each acknowledged
 * version holds the text its writer wrote, and the final text is the last acknowledged update.
 */
import type { Logger, MemOS } from '@memos-js/core';

/** One acknowledged update. */
export interface Ack {
  writer: string;
  id: string;
  version: number;
  text: string;
}

/** What one writer did. */
export interface WriterReport {
  writer: string;
  acks: Ack[];
  /** Updates rejected with `ConflictError` (the runtime gave up retrying). */
  conflicts: number;
  /** Other rejections (code: message). */
  failures: string[];
  /** Log lines of the runtime that mention a conflict or a retry. */
  retriesLogged: number;
}

/** The text a writer writes in one round (unique, so a torn or foreign text is recognisable). */
export function updateText(writer: string, id: string, round: number): string {
  return `${id} updated by ${writer} in round ${round} coffee garden`;
}

/** A logger that counts the runtime's messages about retrying after a version conflict (not server read retries). */
export function retryCountingLogger(): Logger & { retries: () => number } {
  let retries = 0;
  const note = (message: string, fields?: Record<string, unknown>) => {
    if (/lost a race|version conflict|conflict.*retr/i.test(message)) retries++;
  };
  return { debug: note, info: note, warn: note, error: note, retries: () => retries };
}

/** Options of {@link runWriter}. */
export interface RunWriterOptions {
  mos: MemOS;
  userId: string;
  ids: string[];
  writer: string;
  rounds: number;
  /** Called after every acknowledged update (child processes print it at once). */
  onAck?: (ack: Ack) => void;
  logger?: { retries: () => number };
}

/** Updates every item once per round (starting at a writer-specific offset) and records what was acknowledged. */
export async function runWriter(options: RunWriterOptions): Promise<WriterReport> {
  const { mos, userId, ids, writer } = options;
  const report: WriterReport = { writer, acks: [], conflicts: 0, failures: [], retriesLogged: 0 };
  const offset = [...writer].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < ids.length; k++) {
      const id = ids[(k + offset) % ids.length]!;
      const text = updateText(writer, id, round);
      try {
        const item = await mos.update({ userId, id, text });
        const ack = { writer, id, version: item.version, text: item.text };
        report.acks.push(ack);
        options.onAck?.(ack);
      } catch (error) {
        const code = (error as { code?: string }).code ?? (error as Error).name;
        if (code === 'MEMOS_CONFLICT') report.conflicts++;
        else report.failures.push(`${code}: ${(error as Error).message}`.slice(0, 200));
      }
    }
  }
  report.retriesLogged = options.logger?.retries() ?? 0;
  return report;
}

/** Checks the items after every writer finished; returns the problems found (empty: all good). */
export async function verifyUpdates(options: { mos: MemOS; userId: string; ids: string[]; initialTexts: Map<string, string>; reports: WriterReport[] }): Promise<string[]> {
  const { mos, userId } = options;
  const problems: string[] = [];
  const acks = options.reports.flatMap((r) => r.acks);
  for (const id of options.ids) {
    const mine = acks.filter((a) => a.id === id);
    const history = await mos.history({ userId, id });
    const item = await mos.get({ userId, id });
    const versions = history.map((v) => v.version);
    const expected = Array.from({ length: history.length }, (_, i) => i + 1);
    if (JSON.stringify(versions) !== JSON.stringify(expected)) problems.push(`${id}: versions ${JSON.stringify(versions)} are not 1..${history.length} without gaps`);
    if (history.length !== 1 + mine.length) problems.push(`${id}: ${mine.length} acknowledged updates but ${history.length - 1} update versions (${history.length < 1 + mine.length ? 'lost updates' : 'unacknowledged writes'})`);
    const ackVersions = mine.map((a) => a.version);
    if (new Set(ackVersions).size !== ackVersions.length) problems.push(`${id}: two writers were acknowledged the same version (${JSON.stringify(ackVersions.sort((a, b) => a - b))})`);
    for (const ack of mine) {
      const record = history.find((v) => v.version === ack.version);
      if (record?.snapshot.text !== ack.text) problems.push(`${id}: version ${ack.version} acknowledged to ${ack.writer} holds ${JSON.stringify(record?.snapshot.text)} instead of ${JSON.stringify(ack.text)}`);
    }
    const known = new Set([options.initialTexts.get(id), ...mine.map((a) => a.text)]);
    for (const record of history) if (!known.has(record.snapshot.text)) problems.push(`${id}: version ${record.version} holds a text no writer wrote: ${JSON.stringify(record.snapshot.text)}`);
    const last = mine.reduce<Ack | undefined>((best, a) => (best === undefined || a.version > best.version ? a : best), undefined);
    if (last && (item.text !== last.text || item.version !== last.version)) problems.push(`${id}: final v${item.version} ${JSON.stringify(item.text)} is not the last acknowledged update v${last.version} ${JSON.stringify(last.text)}`);
    if (item.version !== history.length) problems.push(`${id}: item is at version ${item.version} but history has ${history.length} versions`);
  }
  return problems;
}
