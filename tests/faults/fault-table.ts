import { mkdirSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { join } from 'node:path';

/** Where each case leaves its row for tests/faults/print-table.mjs (cleared by `npm run test:faults` and `test:all`). */
export const FAULTS_DIR = join(process.cwd(), '.vigil', 'faults');

/**
 * One line of the fault table: what the agent was given, what the collector's database holds of
 * it, and what a counter explains of the difference. `lost` must equal `explained` (nothing lost
 * silently) and `duplicates` must be 0 — each test asserts that before it records its row.
 */
export interface FaultRow {
  offered: number;
  stored: number;
  duplicates: number;
  lost: number;
  /** Samples a counter accounts for, with the counter's name (e.g. `droppedSamples`). */
  explained: number;
  counter?: string;
  /** What the fault was and what the agent did (attempts, waits, splits …). */
  detail: string;
}

/** Records the row of fault case `name` (one of the names in print-table.mjs). */
export function recordFault(name: string, row: FaultRow): void {
  mkdirSync(FAULTS_DIR, { recursive: true });
  writeFileSync(join(FAULTS_DIR, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`), JSON.stringify({ name, ...row }));
}

/**
 * Closes the books of a case: the database holds no duplicate and nothing the agent was not
 * given, every loss is the one a counter explains; then the row is recorded.
 */
export function settle(
  name: string,
  books: { offered: number; stored: number; duplicates: number; lost: number; foreign: number },
  row: { explained?: number; counter?: string; detail: string },
): void {
  const explained = row.explained ?? 0;
  expect(books.duplicates, `${name}: duplicates`).toBe(0);
  expect(books.foreign, `${name}: rows the agent never produced`).toBe(0);
  expect(books.lost, `${name}: lost against explained by ${row.counter ?? 'no counter'}`).toBe(explained);
  const { foreign: _, ...counts } = books;
  recordFault(name, { ...counts, explained, ...(row.counter ? { counter: row.counter } : {}), detail: row.detail });
}
