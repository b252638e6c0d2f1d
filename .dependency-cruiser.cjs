/**
 * The layering (README, "Architecture"): shared/ below both sides, cli/ on top, SQL only in the store;
 * checked by `npm run lint:deps` in `npm run test:all`. Paths are relative to the repo root;
 * tests/unit/layering/dependency-rules.test.ts plants one violation per rule and checks it fires.
 */

/** npm packages that talk to a database: only the store's engines may load them. */
const DB_DRIVERS = '(^|/)node_modules/(@types/)?(better-sqlite3|pg|pg-[^/]+|postgres|mysql2?|mongodb|redis|ioredis)(/|$)';
/** What the SLA math may use besides shared/: pure libraries (calendars, RRULEs, schemas, YAML text). */
const SLA_PURE_LIBS = '(^|/)node_modules/(@types/)?(luxon|rrule|typebox|yaml)(/|$)';
/** The parts of shared/ the SLA math may use: no file helpers, no logger (pino writes to streams). */
const SLA_PURE_SHARED = '^shared/(sla/|protocol/|errors\\.ts$|validate\\.ts$|clock\\.ts$|version\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-imports-neither-side',
      comment: 'shared/ sits below agent and collector: it imports neither, nor the CLI or dashboards on top.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(agent|collector|cli|dashboards)/' },
    },
    {
      name: 'agent-not-to-collector',
      comment: 'The agent runs on client sites: no collector code (server, database, mail) and not the CLI on top.',
      severity: 'error',
      from: { path: '^agent/' },
      to: { path: '^(collector|cli)/' },
    },
    {
      name: 'collector-not-to-agent',
      comment: 'The collector knows the agent only through the v1 protocol in shared/protocol, not its code; cli/ sits on top.',
      severity: 'error',
      from: { path: '^collector/' },
      to: { path: '^(agent|cli)/' },
    },
    {
      name: 'probes-not-to-store',
      comment: 'A probe measures and returns data; it never writes to the collector store (moot under agent-not-to-collector, kept explicit).',
      severity: 'error',
      from: { path: '^agent/src/probes/' },
      to: { path: '^collector/src/store/' },
    },
    {
      name: 'notify-not-to-routes',
      comment: 'Notifiers deliver through the outbox; HTTP routes sit above them, never below.',
      severity: 'error',
      from: { path: '^collector/src/notify/' },
      to: { path: '^collector/src/routes/' },
    },
    {
      name: 'sla-no-io',
      comment: 'shared/sla is pure math: no Node built-ins (fs, net, child_process, http …); files are read in shared/sla-files/.',
      severity: 'error',
      from: { path: '^shared/sla/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'sla-pure-deps-only',
      comment:
        'shared/sla imports only shared/sla, shared/{errors,validate,clock,version,protocol} and pure libraries (luxon, rrule, typebox, yaml): no drivers, no file helpers.',
      severity: 'error',
      from: { path: '^shared/sla/' },
      to: { dependencyTypesNot: ['core'], pathNot: [SLA_PURE_SHARED, SLA_PURE_LIBS] },
    },
    {
      name: 'db-drivers-only-in-store',
      comment: 'SQL lives in collector/src/store/ only: nothing else imports better-sqlite3 or pg (types included); pass the Store in.',
      severity: 'error',
      from: { pathNot: ['^collector/src/store/', '(^|/)node_modules/'] },
      to: { path: DB_DRIVERS },
    },
    {
      name: 'no-circular',
      comment: 'A runtime import cycle makes the load order fragile and the layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-type-only',
      comment: 'A cycle closed only by `import type` (erased at run time): harmless to load, but a sign a type belongs in its own file.',
      severity: 'warn',
      from: {},
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve cannot be checked against the rules above (and will not run).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // node_modules stay in the graph (db-drivers-only-in-store needs them as targets) but are not cruised.
    exclude: { path: ['^dist/', '^agent/native/build/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
