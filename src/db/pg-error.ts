/** What PostgreSQL said of a statement it refused: its SQLSTATE, and the constraint it names, if any. */
export interface PgError {
  readonly code?: string;
  readonly constraint?: string;
}

/**
 * PostgreSQL's answer inside an error: TypeORM wraps pg's DatabaseError in a QueryFailedError
 * (`driverError`); a query through a raw pg client throws it bare. The one place that unwraps it:
 * the transaction's retry (deadlock, serialization failure) and the constraint → code map read it
 * here. (Whether an error is an outage is another question, which src/db/unavailable.ts answers.)
 */
export function pgErrorOf(error: unknown): PgError {
  if (error === null || typeof error !== 'object') return {};
  const { driverError } = error as { driverError?: unknown };
  const found = (driverError !== null && typeof driverError === 'object' ? driverError : error) as { code?: unknown; constraint?: unknown };
  return {
    code: typeof found.code === 'string' ? found.code : undefined,
    constraint: typeof found.constraint === 'string' ? found.constraint : undefined,
  };
}
