#!/usr/bin/env node
// The causa CLI. The TypeScript sources are compiled to dist/ by `npm install` (prepare) or `npm run build`.
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('causa: not built yet; run `npm run build` first\n');
    process.exit(70);
  }
  throw err;
});
