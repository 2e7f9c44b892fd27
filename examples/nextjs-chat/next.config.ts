import type { NextConfig } from 'next';

const config: NextConfig = {
  // The route handler runs MemOS in Node.js. @memos-js/core and @memos-js/ai-sdk are bundled from
  // their built `dist/` (the `default` export condition: run `npm run build` at the repository root
  // first); the native sqlite-vec extension and the optional node-llama-cpp stay external and are
  // loaded from node_modules at run time (node:sqlite is a Node.js built-in).
  serverExternalPackages: ['sqlite-vec', 'node-llama-cpp'],
};

export default config;
