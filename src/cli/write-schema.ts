/** `npm run schema`: writes schema/investigation-result.schema.json from the zod contract. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { investigationJsonSchema } from '../render/json-schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../../../schema/investigation-result.schema.json', import.meta.url));

export function schemaText(): string {
  return `${JSON.stringify(investigationJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, schemaText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
