import { expect, it } from 'vitest';
import type { Neighbor, NeighborQuery } from '../spec/graph-store.ts';
import type { EdgeType, MemoryEdge, MemoryItem } from '../spec/memory-item.ts';
import { compareStrings } from '../storage/item-filter/compare-items.ts';
import { matchesFilter } from '../storage/item-filter/matches-filter.ts';
import { createRandom, toItemWrite } from './fixtures.ts';
import type { GraphConformanceContext } from './graph-store-conformance.ts';

/**
 * Reference neighbourhood expansion by enumerating simple paths: both directions, nodes after the
 * seed must match the filter and not be seeds; best path = weight desc, hops asc, seed order.
 * `type` is not resolved between equally good paths (compare it only where the best is unique).
 */
export function referenceNeighbors(items: MemoryItem[], edges: MemoryEdge[], query: NeighborQuery): Omit<Neighbor, 'type'>[] {
  const byId = new Map(items.map((item) => [item.id, item]));
  const seeds = new Map<string, number>();
  query.ids.forEach((id, index) => {
    if (!seeds.has(id)) seeds.set(id, index);
  });
  const allowed = edges.filter((edge) => query.types.includes(edge.type));
  const best = new Map<string, { seed: number; hops: number; weight: number }>();
  const walk = (node: string, seed: number, visited: Set<string>, weight: number, hops: number) => {
    if (hops === query.hops) return;
    for (const edge of allowed) {
      const next = edge.from === node ? edge.to : edge.to === node ? edge.from : undefined;
      if (next === undefined || next === node || visited.has(next) || seeds.has(next)) continue;
      const item = byId.get(next);
      if (item === undefined || !matchesFilter(item, query.filter)) continue;
      const candidate = { seed, hops: hops + 1, weight: weight * edge.weight };
      const current = best.get(next);
      if (
        current === undefined ||
        candidate.weight > current.weight ||
        (candidate.weight === current.weight && (candidate.hops < current.hops || (candidate.hops === current.hops && candidate.seed < current.seed)))
      ) {
        best.set(next, candidate);
      }
      walk(next, seed, new Set([...visited, next]), candidate.weight, hops + 1);
    }
  };
  for (const [id, index] of seeds) walk(id, index, new Set([id]), 1, 0);
  return [...best]
    .map(([id, path]) => ({ seed: query.ids[path.seed] as string, id, hops: path.hops, weight: path.weight }))
    .sort((a, b) => b.weight - a.weight || a.hops - b.hops || compareStrings(a.id, b.id))
    .slice(0, query.limit);
}

/** neighbors: hops, both directions, filter on every step, best-path rule, types, limit. */
export function registerNeighborConformance(ctx: GraphConformanceContext): void {
  it('expands neighbours with the best-path rule, both directions, filter and limit', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('n');
    const other = ctx.cube('n-other');
    const names = ['s1', 's2', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'y'];
    const ids = Object.fromEntries(names.map((name) => [name, fx.id(`n-${name}`)])) as Record<string, string>;
    const id = (name: string) => ids[name] as string;
    const x = fx.item({ id: fx.id('n-x'), cubeId, status: 'archived' });
    const z = fx.item({ id: fx.id('n-z'), cubeId: other });
    const items = [...names.map((name) => fx.item({ id: id(name), cubeId })), x, z];
    const edge = (from: string, to: string, weight: number, type: EdgeType = 'RELATE_TO') =>
      fx.edge({ from: from.startsWith(fx.prefix) ? from : id(from), to: to.startsWith(fx.prefix) ? to : id(to), weight, type, cubeId });
    await store.write({
      items: items.map((item) => toItemWrite(item)),
      edges: [
        edge('s1', 'a', 0.9),
        edge('b', 's1', 0.5),
        edge('a', 'c', 0.5),
        edge('s2', 'c', 0.4),
        edge('a', 'd', 1),
        edge('s2', 'd', 0.9, 'FOLLOWS'),
        edge('s1', 'e', 0.3),
        edge('e', 's2', 0.3),
        edge('c', 'f', 1),
        edge('s1', x.id, 1),
        edge(x.id, 'g', 1),
        edge('s1', 'h', 1, 'PARENT'),
        edge('s1', 's2', 1),
        edge('b', 'y', 1),
        edge('s1', z.id, 1),
      ],
    });
    const filter = { cubeIds: [cubeId], statuses: ['active' as const] };
    const query = (overrides: Partial<NeighborQuery>): Promise<Neighbor[]> =>
      store.neighbors({ ids: [id('s1'), id('s2')], types: ['RELATE_TO', 'FOLLOWS'], hops: 2, filter, limit: 100, ...overrides });
    const n = (name: string, seed: string, hops: number, weight: number, type: EdgeType = 'RELATE_TO'): Neighbor => ({
      seed: id(seed),
      id: name.startsWith(fx.prefix) ? name : id(name),
      type,
      hops,
      weight,
    });
    const twoHops = [
      n('a', 's1', 1, 0.9),
      n('d', 's2', 1, 0.9, 'FOLLOWS'),
      n('b', 's1', 1, 0.5),
      n('y', 's1', 2, 0.5 * 1),
      n('c', 's1', 2, 0.9 * 0.5),
      n('f', 's2', 2, 0.4 * 1),
      n('e', 's1', 1, 0.3),
    ];
    expect(await query({})).toStrictEqual(twoHops);
    expect(await query({ limit: 3 })).toStrictEqual(twoHops.slice(0, 3));
    expect(await query({ hops: 3 })).toStrictEqual([
      n('a', 's1', 1, 0.9),
      n('d', 's2', 1, 0.9, 'FOLLOWS'),
      n('b', 's1', 1, 0.5),
      n('y', 's1', 2, 0.5),
      n('c', 's1', 2, 0.9 * 0.5),
      n('f', 's1', 3, 0.9 * 0.5 * 1),
      n('e', 's1', 1, 0.3),
    ]);
    expect(await query({ hops: 1 })).toStrictEqual([
      n('a', 's1', 1, 0.9),
      n('d', 's2', 1, 0.9, 'FOLLOWS'),
      n('b', 's1', 1, 0.5),
      n('c', 's2', 1, 0.4),
      n('e', 's1', 1, 0.3),
    ]);
    expect(await query({ hops: 1, types: ['RELATE_TO'] })).toStrictEqual([
      n('a', 's1', 1, 0.9),
      n('b', 's1', 1, 0.5),
      n('c', 's2', 1, 0.4),
      n('e', 's1', 1, 0.3),
    ]);
    expect((await query({ hops: 1, types: ['PARENT', 'RELATE_TO'] }))[0]).toStrictEqual(n('h', 's1', 1, 1, 'PARENT'));
    const anyStatus = await query({ filter: { cubeIds: [cubeId] } });
    expect(anyStatus.slice(0, 2)).toStrictEqual([n(x.id, 's1', 1, 1), n('g', 's1', 2, 1)]);
    expect((await query({ ids: [id('s2'), id('s1')], hops: 1 })).find((hit) => hit.id === id('e'))).toStrictEqual(n('e', 's2', 1, 0.3));
    expect(await query({ ids: [fx.id('unknown')] })).toStrictEqual([]);
    expect(await query({ ids: [] })).toStrictEqual([]);
    expect(await query({ limit: 0 })).toStrictEqual([]);
  });

  it('matches a brute-force best-path search on a random graph', async () => {
    const { store, fx } = ctx;
    const cubeId = ctx.cube('rg');
    const random = createRandom(99);
    const items = Array.from({ length: 24 }, (_, i) =>
      fx.item({ id: fx.id(`rg-${String(i).padStart(2, '0')}`), cubeId, status: random() < 0.2 ? 'archived' : 'active' }),
    );
    const weights = [1, 0.5, 0.25];
    const edges = new Map<string, MemoryEdge>();
    for (let i = 0; i < 46; i += 1) {
      const from = items[Math.floor(random() * items.length)] as MemoryItem;
      const to = items[Math.floor(random() * items.length)] as MemoryItem;
      const type: EdgeType = random() < 0.7 ? 'RELATE_TO' : 'PARENT';
      if (from.id === to.id) continue;
      edges.set(`${from.id}|${to.id}|${type}`, fx.edge({ from: from.id, to: to.id, type, cubeId, weight: weights[Math.floor(random() * 3)] as number }));
    }
    await store.write({ items: items.map((item) => toItemWrite(item)), edges: [...edges.values()] });
    const filter = { cubeIds: [cubeId], statuses: ['active' as const] };
    let nonEmpty = 0;
    for (let trial = 0; trial < 12; trial += 1) {
      const seeds = [0, 1, 2].map(() => (items[Math.floor(random() * items.length)] as MemoryItem).id);
      const q: NeighborQuery = {
        ids: trial % 4 === 0 ? [...seeds, fx.id('missing')] : seeds,
        types: trial % 3 === 0 ? ['RELATE_TO'] : ['RELATE_TO', 'PARENT'],
        hops: 1 + (trial % 3),
        filter,
        limit: trial % 5 === 0 ? 4 : 50,
      };
      const got = await store.neighbors(q);
      const expected = referenceNeighbors(items, [...edges.values()], q);
      expect(got.map(({ type: _type, ...rest }) => rest), JSON.stringify(q)).toStrictEqual(expected);
      for (const hit of got) expect(q.types).toContain(hit.type);
      if (expected.length > 2) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThan(6);
  });
}
