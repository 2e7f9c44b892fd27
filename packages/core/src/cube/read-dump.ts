import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { DumpFormatError } from '../errors/dump-format-error.ts';
import { InputTooLargeError } from '../errors/input-too-large-error.ts';
import type { MemosLimits } from '../mos/limits.ts';
import type { MemoryEdge, MemoryItem, VersionRecord } from '../spec/index.ts';
import { validateVector } from '../storage/validation/validate-vector.ts';
import { createDumpSchemas, DUMP_FILES, DUMP_FORMAT_VERSION, manifestSchema, type DumpManifest } from './dump-format.ts';
import { readDumpLines, unsafeValue, type DumpFileLimits } from './read-dump-lines.ts';

/** A dump that passed every check: each row is consistent with the manifest and the other rows. */
export interface CheckedDump {
  dir: string;
  manifest: DumpManifest;
  items: MemoryItem[];
  /** Every version of every item, each item's versions in increasing version order. */
  versions: VersionRecord[];
  edges: MemoryEdge[];
  /** Vectors by item id (only ids of items of the dump), as float32 (how every vector store keeps them). */
  embeddings: Map<string, Float32Array>;
}

/**
 * Reads and checks a whole dump directory before anything is written. A dump is untrusted input:
 * - sizes: every file is streamed with `maxDumpFileBytes`, `maxDumpLines` and `maxDumpLineBytes`,
 *   and every row goes through the limits of `add` (text, tags, metadata) — `InputTooLargeError`;
 * - fields: ids are valid ids, statuses/kinds/edge types/actions from the fixed lists, versions
 *   positive integers, timestamps `toISOString()` strings, metadata scalar — `DumpFormatError`;
 * - references, against the dump itself: every item, version, snapshot and edge is in the
 *   manifest's cube; no duplicate item, version, edge or embedding; a version's `itemId` is an item
 *   of the dump and its snapshot is that same item at that same version; edges join items of the
 *   dump; embeddings belong to items of the dump and have the manifest's dimension; every item has
 *   versions, and its `version` is its latest one; the manifest counts match the lines.
 */
export async function readDump(options: { dir: string; limits: MemosLimits }): Promise<CheckedDump> {
  const { dir, limits } = options;
  const fileLimits: DumpFileLimits = { maxBytes: limits.maxDumpFileBytes, maxLines: limits.maxDumpLines, maxLineBytes: limits.maxDumpLineBytes };
  const schemas = createDumpSchemas(limits);
  const manifest = await readManifest(join(dir, DUMP_FILES.manifest), fileLimits);
  const cubeId = manifest.cube.id;

  const memoriesPath = join(dir, DUMP_FILES.memories);
  const items = new Map<string, MemoryItem>();
  for await (const { line, value } of readDumpLines({ path: memoriesPath, limits: fileLimits })) {
    const item = parseRow(schemas.item, value, memoriesPath, line) as MemoryItem;
    const at = `line ${line}`;
    if (item.cubeId !== cubeId) fail(memoriesPath, `${at}: the item is not in the dump's cube`);
    if (items.has(item.id)) fail(memoriesPath, `${at}: duplicate item id`);
    items.set(item.id, item);
  }
  expectCount(memoriesPath, 'memories', manifest.counts.memories, items.size);

  const versionsPath = join(dir, DUMP_FILES.versions);
  const versionsByItem = new Map<string, Map<number, VersionRecord>>();
  let versionCount = 0;
  for await (const { line, value } of readDumpLines({ path: versionsPath, limits: fileLimits })) {
    const record = parseRow(schemas.version, value, versionsPath, line) as VersionRecord;
    const at = `line ${line}`;
    if (record.cubeId !== cubeId) fail(versionsPath, `${at}: the version is not in the dump's cube`);
    if (!items.has(record.itemId)) fail(versionsPath, `${at}: the version's itemId is not an item of the dump`);
    if (record.snapshot.id !== record.itemId) fail(versionsPath, `${at}: the snapshot's id is not the version's itemId`);
    if (record.snapshot.cubeId !== cubeId) fail(versionsPath, `${at}: the snapshot is not in the dump's cube`);
    if (record.snapshot.version !== record.version) fail(versionsPath, `${at}: the snapshot's version is not the version's`);
    const known = versionsByItem.get(record.itemId) ?? new Map<number, VersionRecord>();
    if (known.has(record.version)) fail(versionsPath, `${at}: duplicate version of an item`);
    known.set(record.version, record);
    versionsByItem.set(record.itemId, known);
    versionCount += 1;
  }
  expectCount(versionsPath, 'versions', manifest.counts.versions, versionCount);
  const versions: VersionRecord[] = [];
  for (const item of items.values()) {
    const own = [...(versionsByItem.get(item.id)?.values() ?? [])].sort((a, b) => a.version - b.version);
    if (own.length === 0) fail(versionsPath, 'an item of the dump has no versions');
    if (own.at(-1)!.version !== item.version) fail(memoriesPath, "an item's version is not its latest version in versions.jsonl");
    versions.push(...own);
  }

  const edgesPath = join(dir, DUMP_FILES.edges);
  const edges: MemoryEdge[] = [];
  const edgeKeys = new Set<string>();
  for await (const { line, value } of readDumpLines({ path: edgesPath, limits: fileLimits })) {
    const edge = parseRow(schemas.edge, value, edgesPath, line) as MemoryEdge;
    const at = `line ${line}`;
    if (edge.cubeId !== cubeId) fail(edgesPath, `${at}: the edge is not in the dump's cube`);
    if (!items.has(edge.from) || !items.has(edge.to)) fail(edgesPath, `${at}: the edge joins an item that is not in the dump`);
    const key = JSON.stringify([edge.from, edge.to, edge.type]);
    if (edgeKeys.has(key)) fail(edgesPath, `${at}: duplicate edge`);
    edgeKeys.add(key);
    edges.push(edge);
  }
  expectCount(edgesPath, 'edges', manifest.counts.edges, edges.length);

  const embeddingsPath = join(dir, DUMP_FILES.embeddings);
  if (manifest.counts.embeddings > 0 && manifest.embeddingsFingerprint === undefined) fail(embeddingsPath, 'the manifest counts embeddings but names no embeddingsFingerprint');
  const embeddings = new Map<string, Float32Array>();
  for await (const { line, value } of readDumpLines({ path: embeddingsPath, limits: fileLimits, optional: manifest.counts.embeddings === 0 })) {
    const { id, vector } = parseRow(schemas.embedding, value, embeddingsPath, line);
    const at = `line ${line}`;
    if (!items.has(id)) fail(embeddingsPath, `${at}: the embedding is not of an item of the dump`);
    if (embeddings.has(id)) fail(embeddingsPath, `${at}: duplicate embedding`);
    try {
      validateVector(vector, manifest.cube.embedder.dimension, 'vector');
    } catch (error) {
      throw new DumpFormatError(embeddingsPath, `${at}: ${(error as Error).message}`, { cause: error });
    }
    embeddings.set(id, Float32Array.from(vector));
  }
  expectCount(embeddingsPath, 'embeddings', manifest.counts.embeddings, embeddings.size);

  return { dir, manifest, items: [...items.values()], versions, edges, embeddings };
}

async function readManifest(path: string, limits: DumpFileLimits): Promise<DumpManifest> {
  let raw: unknown;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new DumpFormatError(path, 'missing or unreadable', { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new DumpFormatError(path, 'is not a regular file');
    const max = Math.min(limits.maxBytes, limits.maxLineBytes);
    const buffer = Buffer.alloc(max + 1);
    const { bytesRead } = await handle.read(buffer, 0, max + 1, 0);
    if (bytesRead > max) throw new InputTooLargeError('dump.manifest.json bytes', max, bytesRead);
    try {
      raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, bytesRead)));
    } catch (error) {
      throw new DumpFormatError(path, 'not UTF-8 JSON', { cause: error });
    }
  } finally {
    await handle.close();
  }
  const problem = unsafeValue(raw);
  if (problem) throw new DumpFormatError(path, problem);
  const version = typeof raw === 'object' && raw !== null ? (raw as { formatVersion?: unknown }).formatVersion : undefined;
  const formatVersion = typeof version === 'string' && version.length <= 16 ? { formatVersion: version } : {};
  if (typeof version === 'string') {
    const major = Number(version.split('.')[0]);
    const supported = Number(DUMP_FORMAT_VERSION.split('.')[0]);
    if (!Number.isInteger(major) || major > supported) {
      throw new DumpFormatError(path, `format version ${version.slice(0, 16)} is newer than this reader (${DUMP_FORMAT_VERSION}); upgrade MemOS.js`, formatVersion);
    }
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new DumpFormatError(path, `invalid manifest: ${issueText(parsed.error.issues[0])}`, formatVersion);
  return parsed.data;
}

/** Parses one row; a `too_big` issue is an `InputTooLargeError`, any other a `DumpFormatError`. */
function parseRow<S extends z.ZodType>(schema: S, value: unknown, path: string, line: number): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'too_big') {
    const input: unknown = issue.input;
    const actual = typeof input === 'string' || Array.isArray(input) ? input.length : typeof input === 'object' && input !== null ? Object.keys(input).length : undefined;
    if (actual !== undefined) throw new InputTooLargeError(`${path} line ${line}: ${issue.path.join('.')}`, Number(issue.maximum), actual);
  }
  throw new DumpFormatError(path, `line ${line}: ${issueText(issue)}`);
}

function issueText(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  return `${issue.path.map(String).join('.') || '(line)'} ${issue.message}`;
}

function expectCount(path: string, what: string, expected: number, actual: number): void {
  if (expected !== actual) fail(path, `the manifest counts ${expected} ${what}, the dump holds ${actual}`);
}

function fail(path: string, message: string): never {
  throw new DumpFormatError(path, message);
}
