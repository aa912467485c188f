/** JSON Schema (draft 2020-12) of `causa investigate --output json`, generated from the zod contract. Pure. */
import { z } from 'zod';
import { InvestigationResultSchema } from '../domain/result.js';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

export function investigationJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(InvestigationResultSchema, { target: 'draft-2020-12', io: 'output', reused: 'inline' });
  return {
    ...schema,
    title: 'Causa investigation result',
    description: 'The JSON document printed by `causa investigate --output json` (interface.md §2).',
  };
}
