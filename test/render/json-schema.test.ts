import assert from 'node:assert/strict';
import { it } from 'node:test';
import { investigationJsonSchema } from '../../src/render/json-schema.js';

it('describes the investigation result as JSON Schema', () => {
  const schema = investigationJsonSchema() as {
    $schema?: string;
    type?: string;
    required?: string[];
    properties: { rootCause: { properties: { id: { enum: string[] }; fix: unknown } } };
  };
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(schema.type, 'object');
  assert.deepEqual(schema.required, ['target', 'rootCause', 'hypotheses', 'ruledOut', 'timeline', 'steps', 'stats']);
  const ids = schema.properties.rootCause.properties.id.enum;
  assert.ok(ids.includes('probe-timeout-slow-dependency'));
  assert.ok(ids.includes('unknown'));
  assert.ok(JSON.stringify(schema.properties.rootCause.properties.fix).includes('"null"'), 'fix is nullable');
});
