import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { README, withReference } from '../../src/cli/write-config-reference.js';

test('the README configuration reference is generated from the zod schema (run `npm run docs:config`)', () => {
  const readme = readFileSync(README, 'utf8');
  assert.equal(readme, withReference(readme));
  assert.match(readme, /`approvals\.required` \| integer \| `1`/);
  assert.match(readme, /`SLACK_API_URL`/);
});
