import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { exportOpenSlo, importOpenSlo } from '../../../cli/sla-openslo.js';
import { parseDefinition } from '../../../shared/sla/definition.js';

const fixtures = fileURLToPath(new URL('../../fixtures/sla/', import.meta.url));
/** Every field a definition can carry, three period kinds. */
const RICH = `${readFileSync(`${fixtures}acme.yaml`, 'utf8').replace('version: 2026-10', 'version: v7\neffectiveFrom: 2026-09-01\nsettleDelay: 1d')}
    businessHours: [ { days: [mon, tue, wed, thu, fri], from: "08:00", to: "12:00" }, { days: [mon, tue, wed, thu, fri], from: "13:00", to: "17:00" } ]
    priority: p1
    incidentTargets: { p1: { notify: 15m, response: 30m, resolution: 4h } }
  - id: voice
    target: 99.5
    period: calendar-quarter
    members: [sip-1]
    thresholds: { mosBelow: 3.5, degradedCounts: up }
    unknown: down
  - id: cloud
    target: 99
    period: rolling-30d
    members: [m365]
`;

describe('OpenSLO export and import', () => {
  it('exports one SLO per service with its objective, time window in the client’s zone and budgeting method', () => {
    const docs = parseAllDocuments(exportOpenSlo(RICH, 'acme.yaml')).map((d) => d.toJS());
    expect(docs.map((d) => [d.apiVersion, d.kind, d.metadata.name])).toEqual([
      ['openslo/v1', 'SLO', 'acme-network'],
      ['openslo/v1', 'SLO', 'acme-voice'],
      ['openslo/v1', 'SLO', 'acme-cloud'],
    ]);
    expect(docs[0].spec).toMatchObject({
      service: 'acme',
      budgetingMethod: 'Timeslices',
      timeWindow: [{ duration: '1M', isRolling: false, calendar: { timeZone: 'Europe/Berlin' } }],
      objectives: [{ target: 0.999 }],
    });
    expect(docs[1].spec.timeWindow).toEqual([{ duration: '1Q', isRolling: false, calendar: { startTime: '2020-01-01 00:00:00', timeZone: 'Europe/Berlin' } }]);
    expect(docs[2].spec.timeWindow).toEqual([{ duration: '30d', isRolling: true }]);
    expect(JSON.parse(docs[0].metadata.annotations['vigil.dev/downtime'])).toEqual({ when: { membersDown: 2 }, minDuration: '5m' });
  });

  it('an export imports back to the same definition (what OpenSLO cannot say came back from the annotations)', () => {
    const { text, notes } = importOpenSlo(exportOpenSlo(RICH, 'acme.yaml'), 'acme.openslo.yaml');
    expect(parseDefinition(text, 'imported')).toEqual(parseDefinition(RICH, 'original'));
    expect(notes.filter((n) => !n.includes("Vigil's defaults apply"))).toEqual([]);
  });

  it('imports a foreign SLO and says what it assumed; without the members it names the annotation to add', () => {
    const foreign = `apiVersion: openslo/v1
kind: Service
metadata: { name: web }
spec: { description: the shop }
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: web-availability
  annotations: { vigil.dev/members: '["http-shop", "http-shop-2"]' }
spec:
  service: shop
  budgetingMethod: Occurrences
  timeWindow: [ { duration: 1M, isRolling: false, calendar: { startTime: "2022-01-01 00:00:00", timeZone: America/New_York } } ]
  objectives: [ { target: 0.995 }, { target: 0.99 } ]
  alertPolicies: [ fast-burn ]
`;
    const { text, notes } = importOpenSlo(foreign, 'shop.yaml');
    expect(parseDefinition(text, 'imported')).toMatchObject({
      client: 'shop',
      timezone: 'America/New_York',
      services: [{ id: 'web-availability', target: 99.5, period: 'calendar-month', members: ['http-shop', 'http-shop-2'], unknown: 'exclude' }],
    });
    expect(notes).toEqual([
      '/0: Service skipped (only SLO is imported)',
      '/1 web-availability: 2 objectives, only the first imported (Vigil has one target per service)',
      '/1 web-availability: budgetingMethod Occurrences imported as time-based availability',
      '/1 web-availability: alertPolicies not imported (Vigil alerts on burn rates of its own)',
      "/1 web-availability: no downtime, unknown, maintenance, credits in the annotations: Vigil's defaults apply",
    ]);
    expect(() => importOpenSlo(foreign.replace(/ {2}annotations: .*\n/, ''), 'shop.yaml')).toThrowError(
      expect.objectContaining({
        code: 'VIGIL_ERR_DEFINITION_INVALID',
        problems: [expect.objectContaining({ path: '/1/metadata/annotations/vigil.dev/members' })],
      }),
    );
  });

  it('refuses a time window Vigil has no period for, and a document of another API version, with paths', () => {
    const bad = `apiVersion: openslo/v2alpha
kind: SLO
metadata: { name: x, annotations: { vigil.dev/members: '["a"]' } }
spec: { service: s, timeWindow: [ { duration: 7d, isRolling: true } ], objectives: [ { target: 0.9 } ] }
`;
    expect(() => importOpenSlo(bad, 'bad.yaml')).toThrowError(
      expect.objectContaining({
        problems: [
          expect.objectContaining({ path: '/0/apiVersion' }),
          expect.objectContaining({ path: '/0/spec/timeWindow/0', message: expect.stringContaining('7d rolling') }),
        ],
      }),
    );
  });
});
