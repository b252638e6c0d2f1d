// Prints the plain closing line CI reads ("N passed, N failed") from vitest's JSON reports
// (the whole suite, then the e2e suites again with the collector on PostgreSQL).
import { readFileSync } from 'node:fs';
const files = process.argv.slice(2).length ? process.argv.slice(2) : ['.vigil/test-results.json'];
const sum = { passed: 0, failed: 0, skipped: 0, total: 0 };
for (const f of files) {
  const r = JSON.parse(readFileSync(f, 'utf8'));
  sum.passed += r.numPassedTests;
  sum.failed += r.numFailedTests;
  sum.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  sum.total += r.numTotalTests;
  if (r.numTotalTests === 0) sum.failed += 1; // a run that ran nothing is a failure
}
console.log(`${sum.passed} passed, ${sum.failed} failed${sum.skipped ? `, ${sum.skipped} skipped` : ''}`);
process.exit(sum.failed > 0 || sum.total === 0 ? 1 : 0);
