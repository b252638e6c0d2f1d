import { describe, expect, it } from 'vitest';
import { localIsoToMillis, localToMillis } from '../../../shared/sla/local-time.js';

/**
 * Wall-clock time → instant, the step every maintenance window and business-hours bound goes
 * through. Expected instants are written out by hand; they must not depend on the process TZ
 * or on the date the test runs (luxon's own resolution starts from the zone's offset *now*).
 */
const at = (zone: string, year: number, month: number, day: number, hour: number, minute: number) =>
  new Date(localToMillis({ year, month, day, hour, minute }, zone)).toISOString();

describe('localToMillis', () => {
  it('an ambiguous wall time is its first occurrence, whatever the size of the shift', () => {
    expect(at('America/New_York', 2026, 11, 1, 1, 30)).toBe('2026-11-01T05:30:00.000Z'); // EDT, not EST
    expect(at('Europe/Berlin', 2026, 10, 25, 2, 0)).toBe('2026-10-25T00:00:00.000Z'); // CEST
    expect(at('Australia/Lord_Howe', 2026, 4, 5, 1, 45)).toBe('2026-04-04T14:45:00.000Z'); // +11, 30 min shift
    expect(at('Antarctica/Troll', 2026, 10, 25, 1, 30)).toBe('2026-10-24T23:30:00.000Z'); // +02, 2 h shift
    expect(at('America/Santiago', 2026, 4, 4, 23, 30)).toBe('2026-04-05T02:30:00.000Z'); // -03, shift at midnight
  });

  it('a wall time in a spring-forward gap moves forward by the gap', () => {
    expect(at('America/New_York', 2026, 3, 8, 2, 30)).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
    expect(at('Europe/Berlin', 2026, 3, 29, 2, 15)).toBe('2026-03-29T01:15:00.000Z'); // 03:15 CEST
    expect(at('Australia/Lord_Howe', 2026, 10, 4, 2, 15)).toBe('2026-10-03T15:45:00.000Z'); // 02:45 +11
    expect(at('Antarctica/Troll', 2026, 3, 29, 2, 0)).toBe('2026-03-29T02:00:00.000Z'); // 04:00 +02
    expect(at('America/Santiago', 2026, 9, 6, 0, 30)).toBe('2026-09-06T04:30:00.000Z'); // 01:30 -03
  });

  it('ordinary wall times, and the times right next to a change', () => {
    expect(at('Asia/Kolkata', 2026, 6, 10, 9, 0)).toBe('2026-06-10T03:30:00.000Z');
    expect(at('UTC', 2026, 3, 29, 2, 30)).toBe('2026-03-29T02:30:00.000Z');
    expect(at('America/New_York', 2026, 3, 8, 1, 59)).toBe('2026-03-08T06:59:00.000Z');
    expect(at('America/New_York', 2026, 3, 8, 3, 0)).toBe('2026-03-08T07:00:00.000Z');
    expect(at('America/New_York', 2026, 11, 1, 2, 0)).toBe('2026-11-01T07:00:00.000Z');
    expect(at('Europe/Berlin', 2026, 10, 25, 3, 0)).toBe('2026-10-25T02:00:00.000Z');
  });

  it('an unknown zone or a text that is not a date-time gives NaN', () => {
    expect(localToMillis({ year: 2026, month: 1, day: 1 }, 'Mars/Olympus')).toBeNaN();
    expect(localIsoToMillis('next tuesday', 'UTC')).toBeNaN();
    expect(localIsoToMillis('2026-10-25T02:30', 'Europe/Berlin')).toBe(Date.parse('2026-10-25T00:30:00Z'));
  });
});
