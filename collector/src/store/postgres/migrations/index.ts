import m0001 from './0001-initial.js';
import m0002 from './0002-agent-spool.js';
import m0003 from './0003-access.js';
import m0004 from './0004-report-archive.js';
import m0005 from './0005-agent-runtime.js';
import m0006 from './0006-quality-rollup.js';
import m0007 from './0007-degraded-runs.js';

/** PostgreSQL migrations in order; `schema_version` records how many have run. Never edit a shipped one: add the next. */
export const POSTGRES_MIGRATIONS: readonly string[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007];
