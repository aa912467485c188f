/** JSON columns: written with JSON.stringify, read back through zod (architecture: validate again on read). */
import type { z } from 'zod';
import { StoredDataError } from './errors.js';

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Parse a JSON column and validate it; any failure is a StoredDataError naming table, row and column. */
export function parseJson<S extends z.ZodType>(
  schema: S,
  text: string,
  where: { table: string; rowId: string; column: string },
): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StoredDataError(where.table, where.rowId, where.column, 'not JSON', { cause: err });
  }
  return validate(schema, raw, where);
}

/** Validates an already parsed value read from a row; failure is a StoredDataError. */
export function validate<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  where: { table: string; rowId: string; column: string },
): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const detail =
      issue === undefined ? 'does not match its schema' : `${issue.path.join('.') || '(root)'}: ${issue.message}`;
    throw new StoredDataError(where.table, where.rowId, where.column, detail, { cause: parsed.error });
  }
  return parsed.data;
}

/** Same, for nullable columns. */
export function parseJsonOrNull<S extends z.ZodType>(
  schema: S,
  text: string | null,
  where: { table: string; rowId: string; column: string },
): z.output<S> | null {
  return text === null ? null : parseJson(schema, text, where);
}
