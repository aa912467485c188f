/** The references step: what it can say about a referenced Secret without ever reading Secret data. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { references } from '../../src/steps/references.js';
import { ev, facts } from '../rules/fixtures.js';
import { memoryContext } from './memory-context.js';

const run = async (message: string) => {
  const calls: string[] = [];
  const f = facts({ events: [ev({ reason: 'Failed', object: 'api-1', message })] });
  const out = await references.run(memoryContext({ objects: {} }, f, calls));
  return { out: out as { facts?: { references?: { kind: string; name: string; exists: boolean }[] } }, calls };
};

test('"couldn\'t find key" proves the Secret exists (only the key is missing); no Secret is read', async () => {
  const { out, calls } = await run("Error: couldn't find key DB_USER in Secret shop/db-credentials");
  assert.deepEqual(out.facts?.references, [{ kind: 'Secret', name: 'db-credentials', exists: true, keys: [] }]);
  assert.ok(!calls.some((c) => c.includes('secrets')), `no Secret read: ${calls.join(', ')}`);
});

test('"secret not found" means the Secret itself is missing', async () => {
  const { out } = await run('Error: secret "db-credentials" not found');
  assert.deepEqual(out.facts?.references, [{ kind: 'Secret', name: 'db-credentials', exists: false, keys: [] }]);
});
