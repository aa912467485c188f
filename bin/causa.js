#!/usr/bin/env node
// The causa CLI. `npm install` (prepare) or `npm run build` compiles the TypeScript to dist/ and bundles the CLI
// into one file: loading one module instead of ~1 000 (client-node's generated models) halves the cold start.
const bundle = new URL('../dist/src/cli/causa.bundle.mjs', import.meta.url);
const modules = new URL('../dist/src/cli/main.js', import.meta.url);
import(bundle.href)
  .catch((err) => {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('causa.bundle.mjs')) throw err;
    return import(modules.href);
  })
  .catch((err) => {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') {
      process.stderr.write('causa: not built yet; run `npm run build` first\n');
      process.exit(70);
    }
    throw err;
  });
