#!/usr/bin/env bash
# `npm run test:all`: installs missing test peers, builds, checks types, layering and lint, runs the
# whole vitest suite (unit, integration, fault suite, e2e; the SLA suite also under two other TZ values), then the
# e2e suites again with the collector on PostgreSQL, then the crash test on its own; prints the fault table (issue 13) and the closing summary line.
set -u
bash install/test-peers.sh && npm run build && npm run typecheck && npm run lint:deps && npm run lint || exit 1
# SLA figures are a pure function of their inputs: the SLA suite again under other machine time zones
for tz in America/Los_Angeles Australia/Lord_Howe; do TZ=$tz vitest run tests/unit/sla --reporter=dot || exit 1; done
rm -rf .vigil/test-results*.json .vigil/faults
vitest run --reporter=default --reporter=json --outputFile.json=.vigil/test-results.json
s=$?
VIGIL_E2E_STORE=postgres vitest run tests/e2e --reporter=default --reporter=json --outputFile.json=.vigil/test-results-e2e-postgres.json
p=$?
# the crash test alone: it times real processes under load, which the rest of the suite beside it would distort
VIGIL_CRASH=1 vitest run tests/crash --reporter=default --reporter=json --outputFile.json=.vigil/test-results-crash.json
c=$?
node tests/faults/print-table.mjs
f=$?
node tests/print-summary.mjs .vigil/test-results.json .vigil/test-results-e2e-postgres.json .vigil/test-results-crash.json && [ $s -eq 0 ] && [ $p -eq 0 ] && [ $c -eq 0 ] && [ $f -eq 0 ]
