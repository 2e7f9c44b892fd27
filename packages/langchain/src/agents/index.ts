/**
 * `@memos-js/langchain/agents`: langchain v1 agent middleware (needs the `langchain` package).
 */
export { memosAgentMiddleware, memosContextSchema, appendMemoryBlock, latestTurn, type MemosAgentMiddlewareOptions } from './memos-agent-middleware.ts';
