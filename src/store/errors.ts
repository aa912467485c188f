/** Errors of the persistence layer. Each has a literal `code`, an `override name`, a `cause`, and a guard. */

/** The schema cannot be brought up to date safely; the bot must not start. The message names the file. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  readonly code = 'MIGRATION' as const;
  constructor(
    message: string,
    /** The migration file concerned (basename), when there is one. */
    readonly file: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isMigrationError(err: unknown): err is MigrationError {
  return err instanceof MigrationError;
}

/** A stored row failed validation when read back (a JSON column no longer matches its zod schema). */
export class StoredDataError extends Error {
  override name = 'StoredDataError';
  readonly code = 'STORED_DATA' as const;
  constructor(
    readonly table: string,
    readonly rowId: string,
    readonly column: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${table} ${rowId}: ${column} is invalid: ${detail}`, options);
  }
}

export function isStoredDataError(err: unknown): err is StoredDataError {
  return err instanceof StoredDataError;
}
