import { afterEach, describe, expect, it } from 'vitest';
import { AS_ADMIN, collectorFixture } from './fixture.js';

/** Incident statistics and lists take the period the label names, by its shape, not the first service's kind. */
const DEF =
  'client: acme\ntimezone: Europe/Berlin\nservices:\n' +
  '  - { id: network, target: 99.9, members: [fw-1], downtime: { when: { membersDown: 1 } } }\n' +
  '  - { id: voice, target: 99.5, period: calendar-quarter, members: [sip-1], downtime: { when: { membersDown: 1 } } }\n';

let f: Awaited<ReturnType<typeof collectorFixture>> | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('incident periods', () => {
  it('a quarter label gives the quarter in the client’s zone, a month label the month; a label no service fits is refused', async () => {
    f = await collectorFixture({}, DEF);
    const stats = async (period: string) => f!.app.inject({ url: `/api/v1/incidents/stats?client=acme&period=${period}`, headers: AS_ADMIN });
    expect((await stats('2026-Q4')).json().period).toEqual({ label: '2026-Q4', start: '2026-09-30T22:00:00.000Z', end: '2026-12-31T23:00:00.000Z' });
    expect((await stats('2026-10')).json().period).toEqual({ label: '2026-10', start: '2026-09-30T22:00:00.000Z', end: '2026-10-31T23:00:00.000Z' });
    const rolling = await stats('2026-10-31');
    expect(rolling.statusCode).toBe(400);
    expect(rolling.json().error).toMatchObject({ code: 'VIGIL_ERR_QUERY_INVALID', message: expect.stringContaining('voice (calendar-quarter)') });
    expect((await f.app.inject({ url: '/api/v1/incidents?client=acme&period=2026-Q4', headers: AS_ADMIN })).statusCode).toBe(200);
  });
});
