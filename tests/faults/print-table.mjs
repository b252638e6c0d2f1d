// Prints the fault table from the rows the fault cases left in .vigil/faults (tests/faults/fault-table.ts).
// A case of issue 13's list that left no row is printed as "not run" and makes the exit code 1.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const CASES = [
  'outage drain 24 h',
  '5xx backoff',
  '429 Retry-After',
  '413 split',
  'partial acceptance',
  '401 revoked',
  'hanging collector',
  'torn record',
  'corrupt segment',
  'spool full drop-oldest',
  'max age',
  'disk full',
  'replay stored once',
  'future and ancient timestamps',
  'label and series limits',
  'late results after inferred unknown',
  'collector restart without pages',
  'duplicate check ids',
];
const dir = join(process.cwd(), '.vigil', 'faults');
const rows = new Map();
if (existsSync(dir))
  for (const f of readdirSync(dir))
    if (f.endsWith('.json')) {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      rows.set(r.name, r);
    }
const head = ['case', 'offered', 'stored', 'dup', 'lost', 'explained', 'detail'];
const lines = CASES.map((name) => {
  const r = rows.get(name);
  if (!r) return [name, '-', '-', '-', '-', '-', 'NOT RUN'];
  const explained = r.counter ? `${r.explained} ${r.counter}` : String(r.explained);
  return [name, r.offered, r.stored, r.duplicates, r.lost, explained, r.detail].map(String);
});
const width = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (i === 6 ? 0 : l[i].length))));
const fmt = (l) => l.map((c, i) => (i === 6 ? c : i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
console.log(`\nFault table (issue 13) — samples offered to the agent, stored by the collector, duplicated, lost, and the losses a counter explains`);
console.log(fmt(head));
for (const l of lines) console.log(fmt(l));
const missing = CASES.filter((c) => !rows.has(c));
const bad = [...rows.values()].filter((r) => r.duplicates !== 0 || r.lost !== r.explained);
if (missing.length) console.log(`not run: ${missing.join(', ')}`);
if (bad.length) console.log(`unexplained: ${bad.map((r) => r.name).join(', ')}`);
process.exit(missing.length || bad.length ? 1 : 0);
