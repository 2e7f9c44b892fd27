export type * from './memory-item.ts';
export { MEMORY_STATUSES, EDGE_TYPES } from './memory-item.ts';
export type * from './mem-cube.ts';
export type * from './search.ts';
export type * from './graph-store.ts';
export type * from './vector-store.ts';
export type * from './embedder.ts';
export type * from './language-model-port.ts';
export type * from './logger.ts';
