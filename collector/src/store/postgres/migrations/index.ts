import m0001 from './0001-initial.js';

/** PostgreSQL migrations in order; `schema_version` records how many have run. Never edit a shipped one: add the next. */
export const POSTGRES_MIGRATIONS: readonly string[] = [m0001];
