/**
 * The main job (`npm start`): builds a MemCube on the embedded default (one SQLite file in
 * ./.memos/, the zero-dependency lexical embedder, no servers, no keys), ingests a multi-session
 * conversation, searches it, updates and invalidates facts, time-travels, and dumps the cube.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createMemOS, type SearchHit } from '@memos-js/core';
import { SESSIONS, SPEAKERS } from './conversation.ts';

const dataDir = resolve(process.env.MEMOS_DATA_DIR ?? '.memos');
const dbPath = join(dataDir, 'main-job.db');
const dumpDir = join(dataDir, 'dumps', 'priya-and-tom');

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

function show(hit: SearchHit, rank: number): string {
  const source = hit.item.sources[0];
  const signals = Object.entries(hit.signals).map(([name, s]) => `${name}#${s.rank}`).join(' ');
  const when = source?.chatTime ? source.chatTime.slice(0, 16).replace('T', ' ') : '-';
  return `  ${rank}. [${hit.score.toFixed(4)}] ${hit.item.text}\n       ${source?.speaker ?? '?'} · ${source?.messageId ?? '-'} · ${when} · ${signals}`;
}

async function main(): Promise<void> {
  await rm(dbPath, { force: true });
  await rm(`${dbPath}-wal`, { force: true });
  await rm(`${dbPath}-shm`, { force: true });
  await rm(dumpDir, { recursive: true, force: true });

  const mos = createMemOS({ storage: { kind: 'sqlite', path: dbPath } });
  await mos.setup();
  console.log(`MemOS.js main job — embedded SQLite at ${dbPath}, embedder ${mos.embedder.fingerprint}\n`);

  await mos.createUser({ id: 'priya', name: 'Priya' });
  const cube = await mos.createCube({ userId: 'priya', id: 'priya-and-tom', name: 'Chats with Tom' });

  const started = performance.now();
  let added = 0;
  for (const session of SESSIONS) {
    const { items } = await mos.add({
      userId: 'priya', cubeId: cube.id, sessionId: session.id, sessionTime: session.time,
      messages: session.turns.map((t) => ({ role: t.speaker === SPEAKERS.user ? 'user' as const : 'assistant' as const, speaker: t.speaker, content: t.text, messageId: t.id, time: session.time })),
    });
    added += items.length;
  }
  console.log(`Ingested ${added} turns from ${SESSIONS.length} sessions in ${ms(performance.now() - started)} (fast mode: one memory per turn)\n`);

  for (const query of ['What is the name of Priya\'s dog?', 'When did Priya run the half marathon?', 'Which instrument does Tom play?', 'How did Priya stop her dog howling?']) {
    const { hits, timings } = await mos.search({ userId: 'priya', query, topK: 3 });
    console.log(`search: "${query}"   (embed ${ms(timings.embedMs)}, store ${ms(timings.storeMs)})`);
    hits.forEach((hit, i) => console.log(show(hit, i + 1)));
    console.log();
  }

  // An update writes a new version; history keeps every version.
  const [garden] = (await mos.search({ userId: 'priya', query: 'vegetable garden tomatoes', topK: 1 })).hits;
  if (garden) {
    await mos.update({ userId: 'priya', id: garden.item.id, text: `${garden.item.text} (She added strawberries in May.)`, reason: 'new detail' });
    console.log(`history of ${garden.item.id}:`);
    for (const v of await mos.history({ userId: 'priya', id: garden.item.id })) console.log(`  v${v.version} ${v.action.padEnd(7)} ${v.at} ${v.snapshot.text}`);
    console.log();
  }

  // Tom's favourite food changed: the old fact is invalidated, not deleted.
  const foodQuery = "What is Tom's favourite food?";
  const sushi = (await mos.search({ userId: 'priya', query: 'Tom favourite food sushi', topK: 5 })).hits.find((h) => /still sushi/.test(h.item.text));
  const sardines = (await mos.search({ userId: 'priya', query: 'favourite food grilled sardines', topK: 1 })).hits[0];
  if (sushi && sardines) {
    await mos.invalidate({ userId: 'priya', id: sushi.item.id, invalidAt: sardines.item.validAt, supersededBy: sardines.item.id, reason: 'Tom changed his mind' });
    const nowHits = (await mos.search({ userId: 'priya', query: foodQuery, topK: 2 })).hits;
    const thenHits = (await mos.search({ userId: 'priya', query: foodQuery, topK: 2, asOf: '2024-05-01T00:00:00Z' })).hits;
    console.log(`search now:                 "${foodQuery}"`);
    nowHits.forEach((hit, i) => console.log(show(hit, i + 1)));
    console.log(`search asOf 2024-05-01:     "${foodQuery}"`);
    thenHits.forEach((hit, i) => console.log(show(hit, i + 1)));
    console.log();
  }

  const { manifest } = await mos.dumpCube({ userId: 'priya', cubeId: cube.id, dir: dumpDir, includeEmbeddings: true });
  console.log(`dumped cube ${cube.id} to ${dumpDir}: ${JSON.stringify(manifest.counts)} (format ${manifest.formatVersion})`);
  await mos.close();
}

await main();
