/**
 * The tenant-isolation property through the framework adapters: seeded random sequences of
 * operations issued THROUGH `@memos-js/langchain` (retriever, memory tools, chat history,
 * `MemOSMemory`, `MemOSStore` + `forRun`, memory nodes, `memosAgentMiddleware`) and
 * `@memos-js/ai-sdk` (`memosMiddleware`, `memosTools`) by several users, while owners share and
 * unshare their cubes through the MOS. Adapters are configured the secure way (a server-side
 * `identity` resolver returning the authenticated actor); every run also carries hostile client
 * fields (`configurable.userId` / `context.userId` / `cubeId(s)` / `providerOptions.memos`)
 * pointing at a victim, and tools get ids of the victims' items.
 *
 * After every operation (see {@link IsolationWorld}): no marker, item id or cube id the actor may
 * not read appears in any returned value, tool output, injected prompt or error; every error is a
 * typed `MemosError`; a call naming a hidden item or cube behaves exactly like the same call on an
 * unknown id (same outcome kind, same error code); and no cube the actor may not write changed.
 */
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import type { LanguageModelV4GenerateResult, LanguageModelV4Usage } from '@ai-sdk/provider';
import type { AdapterIdentity, MemOS } from '@memos-js/core';
import { memosMiddleware, memosTools } from '@memos-js/ai-sdk';
import { createMemoryTools, MemOSChatMessageHistory, MemOSMemory, MemOSRetriever, type ScopeSource } from '@memos-js/langchain';
import { memosAgentMiddleware } from '@memos-js/langchain/agents';
import { createMemoryNode, createRememberNode, MemOSStore } from '@memos-js/langchain/langgraph';
import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { createAgent } from 'langchain';
import { AdapterChecks, type AdapterIsolationStats } from './adapter-checks.ts';
import type { AdapterOp } from './adapter-isolation-ops.ts';
import { wordsOf } from './isolation-ops.ts';
import type { IsolationWorld } from './isolation-world.ts';

export type { AdapterIsolationStats } from './adapter-checks.ts';

/** Options of {@link runAdapterIsolationSequences}. */
export interface RunAdapterIsolationOptions {
  mos: MemOS;
  /** The model; give the store's runtime `newId: world.newId`. */
  world: IsolationWorld;
  sequences: AdapterOp[][];
  users: number;
}

const UNKNOWN_ITEM = 'it0x';
const usage: LanguageModelV4Usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 2, text: 2, reasoning: 0 } };
const REPLY = 'okay noted';
function answer(): LanguageModelV4GenerateResult {
  return { content: [{ type: 'text', text: REPLY }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] };
}

/** Runs the sequences (fresh users per sequence, on one store) and collects every violation. */
export async function runAdapterIsolationSequences(options: RunAdapterIsolationOptions): Promise<AdapterIsolationStats> {
  const stats: AdapterIsolationStats = { sequences: 0, operations: 0, rejected: 0, byOp: {}, violations: [] };
  for (const ops of options.sequences) await new AdapterSequence(options, stats).run(ops);
  return stats;
}

let sequenceNo = 7_000;

/** A run's config as a client of a deployed graph shapes it (plus the platform's `langgraph_auth_user`). */
type RunConfig = { configurable: Record<string, unknown>; context: Record<string, unknown> };

class AdapterSequence {
  readonly #mos: MemOS;
  readonly #world: IsolationWorld;
  readonly #stats: AdapterIsolationStats;
  readonly #run = ++sequenceNo;
  readonly #users: string[];
  readonly #cubes: string[] = [];
  readonly #foreignCubes: string[];
  readonly #foreignItems: string[];
  /** Store keys put per cube. */
  readonly #keys = new Map<string, string[]>();
  readonly #check: AdapterChecks;
  #nextKey = 0;

  constructor(options: RunAdapterIsolationOptions, stats: AdapterIsolationStats) {
    this.#mos = options.mos;
    this.#world = options.world;
    this.#stats = stats;
    this.#users = Array.from({ length: options.users }, (_, i) => `r${this.#run}u${i}`);
    const alive = [...options.world.cubes.values()].filter((c) => c.alive);
    this.#foreignCubes = alive.slice(-2).map((c) => c.id);
    this.#foreignItems = [...options.world.items.values()].filter((i) => !i.gone).slice(-3).map((i) => i.id);
    this.#check = new AdapterChecks({ mos: this.#mos, world: this.#world, stats, cubes: () => [...this.#cubes, ...this.#foreignCubes] });
  }

  get #unknownCube(): string {
    return `r${this.#run}c999`;
  }

  async run(ops: AdapterOp[]): Promise<void> {
    this.#stats.sequences++;
    const mos = this.#mos;
    for (const userId of this.#users) await mos.createUser({ id: userId, name: userId });
    for (const [i, userId] of this.#users.entries()) {
      for (let k = 0; k < 2; k++) {
        const id = `r${this.#run}c${this.#cubes.length}`;
        await mos.createCube({ userId, id, name: 'cube' });
        this.#world.cubes.set(id, { id, ownerId: userId, acl: new Map(), alive: true });
        this.#cubes.push(id);
        for (let n = 0; n < 2; n++) {
          const { items } = await mos.add({ userId, cubeId: id, text: `${wordsOf(i * 4 + k * 2 + n)} ${this.#world.newMarker()}` });
          for (const item of items) this.#world.learnItem(item);
        }
      }
      const first = this.#cubes[i * 2]!;
      for (const [offset, access] of [[1, 'read'], [2, 'write']] as const) await this.#share(userId, first, this.#users[(i + offset) % this.#users.length]!, access);
    }
    for (const op of ops) await this.#step(op);
  }

  // ---- resolving indexes -------------------------------------------------------------------

  #actor(n: number): string {
    return this.#users[n % this.#users.length]!;
  }

  #victim(actor: string, n: number): string {
    const others = this.#users.filter((u) => u !== actor);
    return others[n % others.length]!;
  }

  /** Mostly a cube the actor may write (or read), sometimes any cube of the sequence, a foreign or an unknown cube. */
  #cube(actor: string, n: number, want: 'write' | 'read'): string {
    const w = this.#world;
    const own = this.#cubes.filter((c) => (want === 'write' ? w.canWrite(actor, c) : w.canRead(actor, c)));
    if (n % 3 !== 0 && own.length > 0) return own[n % own.length]!;
    const pool = [...this.#cubes, ...this.#foreignCubes, this.#unknownCube];
    return pool[n % pool.length]!;
  }

  /** Mostly an item the actor may (or, every third pick, may not) read; sometimes any item or an unknown id. */
  #item(actor: string, n: number): string {
    const w = this.#world;
    if (n % 7 === 0) return UNKNOWN_ITEM;
    const hidden = n % 3 === 0;
    const ours = [...w.items.values()].filter((i) => !i.gone && (this.#cubes.includes(i.cubeId) || this.#foreignItems.includes(i.id)));
    const pool = ours.filter((i) => w.itemVisible(actor, i) !== hidden).map((i) => i.id);
    return pool.length === 0 ? UNKNOWN_ITEM : pool[n % pool.length]!;
  }

  /** A marker word for a read-only query: any marker the world knows (often one the actor may not read). */
  #queryMarker(marker: number | null): string {
    return marker === null ? '' : ` zmk${1 + (marker % Math.max(1, this.#world.items.size))}q`;
  }

  #hiddenCube(actor: string, cubeId: string): boolean {
    return !this.#world.canRead(actor, cubeId);
  }

  #hiddenItem(actor: string, id: string): boolean {
    return !this.#world.itemVisible(actor, this.#world.items.get(id));
  }

  /** A server-side resolver: only `langgraph_auth_user` (set by the platform after auth) is read. */
  #identity(cubeId: string, cubeIds: string[]): (source: ScopeSource) => AdapterIdentity | undefined {
    return ({ configurable }) => {
      const user = configurable?.['langgraph_auth_user'] as { identity?: unknown } | undefined;
      return typeof user?.identity === 'string' ? { userId: user.identity, cubeId, cubeIds } : undefined;
    };
  }

  /** The actor's authenticated run, with every client-settable field pointing at a victim. */
  #hostileRun(actor: string, n: number) {
    const victim = this.#victim(actor, n);
    const victimCube = this.#cubes[this.#users.indexOf(victim) * 2]!;
    const hostile = { userId: victim, cubeId: victimCube, cubeIds: [victimCube] };
    return { configurable: { thread_id: `t${this.#run}`, langgraph_auth_user: { identity: actor }, ...hostile }, context: hostile, hostile };
  }

  async #share(actor: string, cubeId: string, withUserId: string, access: 'read' | 'write' | 'none'): Promise<void> {
    const input = { userId: actor, cubeId, withUserId, access };
    const out = await this.#check.attempt('share (MOS)', actor, input, () => this.#mos.shareCube(input));
    const cube = this.#world.cubes.get(cubeId);
    if (out.ok && cube) cube.acl = new Map((out.value as { acl: { userId: string; access: 'read' | 'write' | 'share' }[] }).acl.map((e) => [e.userId, e.access]));
  }

  // ---- operations --------------------------------------------------------------------------

  async #step(op: AdapterOp): Promise<void> {
    const actor = this.#actor(op.actor);
    const mos = this.#mos;
    const query = `${wordsOf(op.words)}${this.#queryMarker(op.marker)}`;
    const text = `${wordsOf(op.words)} ${this.#world.newMarker()}`;
    const run = this.#hostileRun(actor, op.target);
    const config = { configurable: run.configurable, context: run.context };
    switch (op.kind) {
      case 'share': {
        // Owners share and unshare through the MOS (mostly their own cubes).
        const owned = this.#cubes.filter((c) => this.#world.isOwner(actor, c));
        const cubeId = owned[op.cube % owned.length]!;
        return this.#share(actor, cubeId, this.#victim(actor, op.target), op.access);
      }
      case 'retriever': {
        const cubeId = this.#cube(actor, op.cube, 'read');
        const ask = (cubeIds: string[] | undefined) => () => new MemOSRetriever({ mos, userId: actor, topK: 20, ...(cubeIds ? { cubeIds } : {}) }).invoke(query);
        const scoped = op.target % 2 === 0;
        await this.#check.call('retriever', actor, { query, cubeId }, ask(scoped ? [cubeId] : undefined), scoped && this.#hiddenCube(actor, cubeId) ? ask([this.#unknownCube]) : undefined);
        return;
      }
      case 'lcSearch':
      case 'lcAdd':
      case 'lcUpdate':
      case 'lcForget':
        return this.#langchainTool(op, actor, query, text, config);
      case 'aiSearch':
      case 'aiAdd':
      case 'aiUpdate':
      case 'aiForget':
        return this.#aiTool(op, actor, query, text);
      case 'chatAdd':
      case 'chatGet':
      case 'chatClear': {
        const cubeId = this.#cube(actor, op.cube, op.kind === 'chatGet' ? 'read' : 'write');
        const history = (c: string) => new MemOSChatMessageHistory({ mos, userId: actor, cubeId: c, sessionId: `s${this.#run}` });
        const calls = {
          chatAdd: (c: string) => () => history(c).addMessages([new HumanMessage(text), new AIMessage(REPLY)]),
          chatGet: (c: string) => () => history(c).getMessages(),
          chatClear: (c: string) => () => history(c).clear(),
        };
        const call = calls[op.kind];
        await this.#check.call(op.kind, actor, { cubeId, text }, call(cubeId), this.#hiddenCube(actor, cubeId) ? call(this.#unknownCube) : undefined);
        if (op.kind !== 'chatGet') await this.#check.sync(op.kind, actor);
        return;
      }
      case 'memoryLoad':
      case 'memorySave': {
        const cubeId = this.#cube(actor, op.cube, op.kind === 'memorySave' ? 'write' : 'read');
        const memory = (c: string) => new MemOSMemory({ mos, userId: actor, cubeId: c, cubeIds: [c], topK: 20 });
        const call = (c: string) => (op.kind === 'memorySave' ? () => memory(c).saveContext({ input: text }, { output: REPLY }) : () => memory(c).loadMemoryVariables({ input: query }));
        await this.#check.call(op.kind, actor, { cubeId, query, text }, call(cubeId), this.#hiddenCube(actor, cubeId) ? call(this.#unknownCube) : undefined);
        if (op.kind === 'memorySave') await this.#check.sync(op.kind, actor);
        return;
      }
      case 'storePut':
      case 'storeGet':
      case 'storeSearch':
      case 'storeDelete':
      case 'recallNode':
      case 'rememberNode':
        return this.#langgraph(op, actor, query, text, config);
      case 'agent':
        return this.#agent(op, actor, query, text, config);
      case 'aiMiddleware':
        return this.#aiMiddleware(op, actor, query, text, run.hostile);
    }
  }

  async #langchainTool(op: AdapterOp, actor: string, query: string, text: string, config: object): Promise<void> {
    const writes = op.kind !== 'lcSearch';
    const cubeId = this.#cube(actor, op.cube, writes ? 'write' : 'read');
    const tools = (c: string) => createMemoryTools({ mos: this.#mos, identity: this.#identity(c, [c]) });
    const hiddenCube = this.#hiddenCube(actor, cubeId);
    if (op.kind === 'lcSearch') {
      const call = (c: string) => () => tools(c)[0].invoke({ query, topK: 20 }, config);
      await this.#check.call('lcSearch', actor, { query, cubeId }, call(cubeId), hiddenCube ? call(this.#unknownCube) : undefined);
      return;
    }
    if (op.kind === 'lcAdd') {
      const call = (c: string) => () => tools(c)[1].invoke({ text }, config);
      const out = await this.#check.call('lcAdd', actor, { cubeId, text }, call(cubeId), hiddenCube ? call(this.#unknownCube) : undefined);
      await this.#check.sync('lcAdd', actor);
      if (out.ok) this.#check.landed('lcAdd', (JSON.parse(String(out.value)) as { id: string }[]).map((m) => m.id), cubeId);
      return;
    }
    // update / forget an item (often a victim's), with the tools scoped to the item's cube or another one.
    const id = this.#item(actor, op.target);
    const itemCube = this.#world.items.get(id)?.cubeId;
    const scope = op.cube % 2 === 0 && itemCube ? itemCube : cubeId;
    const newText = `${wordsOf(op.words)} ${this.#visibleMarker(actor, id)}`;
    const call = (itemId: string) => (op.kind === 'lcUpdate' ? () => tools(scope)[2].invoke({ id: itemId, text: newText }, config) : () => tools(scope)[3].invoke({ id: itemId }, config));
    await this.#check.call(op.kind, actor, { id, cubeId: scope, text: newText }, call(id), this.#hiddenItem(actor, id) ? call(UNKNOWN_ITEM) : undefined);
    await this.#check.sync(op.kind, actor);
  }

  /**
   * Waits for the MemScheduler's background work of a finished turn (the prefetch that fills the
   * session's working memory, which later turns inject), so working memory is part of what is checked.
   */
  async #settle(): Promise<void> {
    const scheduler = (this.#mos as { scheduler?: { flush?: (options: { timeoutMs: number }) => Promise<void> } }).scheduler;
    await scheduler?.flush?.({ timeoutMs: 10_000 }).catch(() => undefined);
  }

  /** A marker of the item the actor may read (kept on update), else a new one. */
  #visibleMarker(actor: string, id: string): string {
    const item = this.#world.items.get(id);
    return (item && this.#world.itemVisible(actor, item) ? [...item.markers][0] : undefined) ?? this.#world.newMarker();
  }

  async #aiTool(op: AdapterOp, actor: string, query: string, text: string): Promise<void> {
    const writes = op.kind !== 'aiSearch';
    const cubeId = this.#cube(actor, op.cube, writes ? 'write' : 'read');
    const tools = (c: string) => memosTools({ mos: this.#mos, userId: actor, cubeId: c, cubeIds: [c], topK: 20 });
    const ctx = { toolCallId: 'c1', messages: [], context: {} };
    const hiddenCube = this.#hiddenCube(actor, cubeId);
    if (op.kind === 'aiSearch') {
      const call = (c: string) => async () => tools(c).searchMemories.execute!({ query, topK: 20 }, ctx);
      await this.#check.call('aiSearch', actor, { query, cubeId }, call(cubeId), hiddenCube ? call(this.#unknownCube) : undefined);
      return;
    }
    if (op.kind === 'aiAdd') {
      const call = (c: string) => async () => tools(c).addMemory.execute!({ text }, ctx);
      const out = await this.#check.call('aiAdd', actor, { cubeId, text }, call(cubeId), hiddenCube ? call(this.#unknownCube) : undefined);
      await this.#check.sync('aiAdd', actor);
      const added = (out.value as { added?: { id: string }[] } | undefined)?.added;
      if (added) this.#check.landed('aiAdd', added.map((m) => m.id), cubeId);
      return;
    }
    const id = this.#item(actor, op.target);
    const itemCube = this.#world.items.get(id)?.cubeId;
    const scope = op.cube % 2 === 0 && itemCube ? itemCube : cubeId;
    const newText = `${wordsOf(op.words)} ${this.#visibleMarker(actor, id)}`;
    const call = (itemId: string) => (op.kind === 'aiUpdate' ? async () => tools(scope).updateMemory.execute!({ id: itemId, text: newText }, ctx) : async () => tools(scope).forgetMemory.execute!({ id: itemId }, ctx));
    await this.#check.call(op.kind, actor, { id, cubeId: scope, text: newText }, call(id), this.#hiddenItem(actor, id) ? call(UNKNOWN_ITEM) : undefined);
    await this.#check.sync(op.kind, actor);
  }

  async #langgraph(op: AdapterOp, actor: string, query: string, text: string, config: RunConfig): Promise<void> {
    const writes = op.kind === 'storePut' || op.kind === 'storeDelete' || op.kind === 'rememberNode';
    const cubeId = this.#cube(actor, op.cube, writes ? 'write' : 'read');
    const hiddenCube = this.#hiddenCube(actor, cubeId);
    const ownCube = this.#cubes[this.#users.indexOf(actor) * 2]!;
    // Namespaces map to cubes: ['cubes', <cubeId>, ...]; anything else lives in the identity's cube.
    const store = new MemOSStore({ mos: this.#mos, identity: this.#identity(ownCube, [ownCube]), namespaceCube: (ns) => (ns[0] === 'cubes' ? ns[1] : undefined) });
    const view = store.forRun(config);
    const keys = this.#keys.get(cubeId) ?? [];
    const key = keys.length > 0 && op.target % 4 !== 0 ? keys[op.target % keys.length]! : `k${op.target % 5}`;
    const twinOf = (fn: (c: string) => () => Promise<unknown>) => (hiddenCube ? fn(this.#unknownCube) : undefined);
    switch (op.kind) {
      case 'storePut': {
        const newKey = `k${this.#run}n${++this.#nextKey}`;
        const put = (c: string) => () => view.put(['cubes', c], op.target % 3 === 0 ? key : newKey, { text });
        const out = await this.#check.call('storePut', actor, { cubeId, key, text }, put(cubeId), twinOf(put));
        if (out.ok) this.#keys.set(cubeId, [...keys, newKey]);
        await this.#check.sync('storePut', actor);
        return;
      }
      case 'storeDelete': {
        const del = (c: string) => () => view.delete(['cubes', c], key);
        await this.#check.call('storeDelete', actor, { cubeId, key }, del(cubeId), twinOf(del));
        await this.#check.sync('storeDelete', actor);
        return;
      }
      case 'storeGet': {
        const get = (c: string) => () => view.get(['cubes', c], key);
        await this.#check.call('storeGet', actor, { cubeId, key }, get(cubeId), twinOf(get));
        return;
      }
      case 'storeSearch': {
        const prefix = op.target % 3 === 0;
        // With a query (ranked by MemOS search, often naming a hidden marker) or without (a listing).
        const search = (c: string) => () => view.search(prefix ? ['cubes'] : ['cubes', c], { ...(op.words % 3 === 0 ? {} : { query }), limit: 20 });
        await this.#check.call('storeSearch', actor, { cubeId, query }, search(cubeId), prefix ? undefined : twinOf(search));
        // Listing namespaces names only cubes the actor may read (checked by the leak scan).
        await this.#check.attempt('storeListNamespaces', actor, {}, () => view.listNamespaces({ prefix: ['cubes'] }));
        return;
      }
      case 'recallNode': {
        const recall = (c: string) => () => createMemoryNode({ store, identity: this.#identity(ownCube, [ownCube]), namespace: ['cubes', c], limit: 20 })({ messages: [new HumanMessage(query)] }, config);
        await this.#check.call('recallNode', actor, { cubeId, query }, recall(cubeId), twinOf(recall));
        return;
      }
      case 'rememberNode': {
        const remember = (c: string) => () => createRememberNode({ store, identity: this.#identity(ownCube, [ownCube]), namespace: () => ['cubes', c] })({ messages: [new HumanMessage({ content: text, id: `m${this.#run}n${++this.#nextKey}` })] }, config);
        await this.#check.call('rememberNode', actor, { cubeId, text }, remember(cubeId), twinOf(remember));
        await this.#check.sync('rememberNode', actor);
        return;
      }
    }
  }

  async #agent(op: AdapterOp, actor: string, query: string, text: string, config: RunConfig): Promise<void> {
    const save = op.target % 2 === 0;
    const cubeId = this.#cube(actor, op.cube, save ? 'write' : 'read');
    const prompt = save ? text : query; // a turn that is saved carries no marker the actor may not read
    const invoke = (c: string) => async () => {
      const model = fakeModel().respond(new AIMessage(REPLY));
      const agent = createAgent({ model, tools: [], middleware: [memosAgentMiddleware({ mos: this.#mos, identity: this.#identity(c, [c]), save })] });
      const result = await agent.invoke({ messages: [new HumanMessage(prompt)] }, config as never);
      return { messages: result.messages.map((m) => m.text), prompts: model.calls.map((call) => call.messages.map((m) => m.text)) };
    };
    await this.#check.call(save ? 'agent (save)' : 'agent', actor, { cubeId, prompt }, invoke(cubeId), this.#hiddenCube(actor, cubeId) ? invoke(this.#unknownCube) : undefined);
    await this.#settle();
    if (save) await this.#check.sync('agent (save)', actor);
  }

  async #aiMiddleware(op: AdapterOp, actor: string, query: string, text: string, hostile: Record<string, unknown>): Promise<void> {
    const write = op.target % 2 === 0;
    const cubeId = this.#cube(actor, op.cube, write ? 'write' : 'read');
    const prompt = write ? text : query;
    const call = (c: string) => async () => {
      const model = new MockLanguageModelV4({ doGenerate: answer() });
      const middleware = memosMiddleware({ mos: this.#mos, identity: () => ({ userId: actor, cubeId: c, cubeIds: [c] }), write, topK: 20, onError: () => undefined });
      try {
        const result = await generateText({ model: wrapLanguageModel({ model, middleware }), prompt, providerOptions: { memos: { ...hostile, sessionId: `s${this.#run}` } as never } });
        return { text: result.text, metadata: result.providerMetadata ?? null, prompts: model.doGenerateCalls.map((c) => c.prompt) };
      } finally {
        await middleware.flush();
      }
    };
    await this.#check.call(write ? 'aiMiddleware (write)' : 'aiMiddleware', actor, { cubeId, prompt }, call(cubeId), this.#hiddenCube(actor, cubeId) ? call(this.#unknownCube) : undefined);
    await this.#settle();
    if (write) await this.#check.sync('aiMiddleware (write)', actor);
  }
}
