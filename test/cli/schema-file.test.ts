import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SCHEMA_FILE, schemaText } from '../../src/cli/write-schema.js';

test('schema/investigation-result.schema.json is generated from the zod contract (run `npm run schema`)', () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), schemaText());
});
