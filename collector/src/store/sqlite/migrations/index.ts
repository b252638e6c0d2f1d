import m0001 from './0001-initial.js';
import m0002 from './0002-exclusions.js';
import m0003 from './0003-incident-lifecycle.js';
import m0004 from './0004-store-seam.js';
import m0005 from './0005-results-log.js';
import m0006 from './0006-agent-spool.js';
import m0007 from './0007-access.js';
import m0008 from './0008-report-archive.js';
import m0009 from './0009-agent-runtime.js';
import m0010 from './0010-quality-rollup.js';
import m0011 from './0011-degraded-runs.js';

/** SQLite migrations in order; `schema_version` records how many have run. Never edit a shipped one: add the next. */
export const SQLITE_MIGRATIONS: readonly string[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011];
