import { describe, expect, it } from 'vitest';
import { VigilError } from '../../../shared/errors.js';
import { parseDefinition, selectDefinition } from '../../../shared/sla/definition.js';

const bad = `
client: acme
timezone: Mars/Olympus
services:
  - id: network
    target: 100.5
    members: [fw-1, ghost]
    downtime: { when: { membersDown: 3 }, minDuration: 5m }
    maintenance:
      - { rrule: "FREQ=SOMETIMES;BYDAY=XX", duration: 2h }
    businessHours: { days: [mon], from: "18:00", to: "18:00" }
`;

describe('SLA definition validation', () => {
  it('lists every problem with its path', () => {
    let err: unknown;
    try {
      parseDefinition(bad, 'acme.yaml', { knownChecks: new Set(['fw-1']) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VigilError);
    const e = err as VigilError;
    expect(e.code).toBe('VIGIL_ERR_DEFINITION_INVALID');
    const paths = e.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/timezone',
        '/services/0/target',
        '/services/0/members/1',
        '/services/0/downtime/when/membersDown',
        '/services/0/maintenance/0/rrule',
        '/services/0/businessHours/to',
      ]),
    );
    expect(e.problems.find((p) => p.path === '/services/0/members/1')!.message).toContain('ghost');
  });

  it('reports schema problems (unknown field, bad duration) with paths', () => {
    expect(() =>
      parseDefinition(
        'client: a\ntimezone: UTC\nservices:\n  - id: s\n    target: 99\n    members: [a]\n    colour: red\n    downtime: { when: { membersDown: 1 }, minDuration: soon }\n',
        'a.yaml',
      ),
    ).toThrowError(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.objectContaining({ path: '/services/0' }),
          expect.objectContaining({ path: '/services/0/downtime/minDuration' }),
        ]),
      }),
    );
  });

  it('applies defaults and picks the version in force at an instant', () => {
    const v1 = parseDefinition('client: a\ntimezone: UTC\nversion: 1\nservices:\n  - { id: s, target: 99, members: [a] }\n', 'v1.yaml');
    const v2 = parseDefinition(
      'client: a\ntimezone: UTC\nversion: 2\neffectiveFrom: "2026-11-01"\nservices:\n  - { id: s, target: 99.9, members: [a] }\n',
      'v2.yaml',
    );
    expect(v1.services[0]).toMatchObject({ period: 'calendar-month', unknown: 'exclude', downtime: { when: { membersDown: 1 }, minDurationMs: 0 } });
    expect(selectDefinition([v1, v2], 'a', Date.parse('2026-10-15T00:00:00Z'))!.version).toBe('1');
    expect(selectDefinition([v1, v2], 'a', Date.parse('2026-11-15T00:00:00Z'))!.version).toBe('2');
  });
});

describe('published JSON Schema', () => {
  it('shared/sla/definition.schema.json matches the TypeBox schema (run npm run dashboards if not)', async () => {
    const { readFileSync } = await import('node:fs');
    const { definitionJsonSchema, SCHEMA_PATH } = await import('../../../shared/sla-files/definition-json-schema.js');
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(definitionJsonSchema());
  });
});

describe('time zone', () => {
  it('takes IANA names only: `local`, `system` or `default` would tie the figures to the machine', () => {
    for (const tz of ['local', 'system', 'SYSTEM', 'default', 'UTC+3'])
      expect(() => parseDefinition(`client: a\ntimezone: ${tz}\nservices:\n  - { id: s, target: 99, members: [a] }\n`, 'a.yaml')).toThrow(
        expect.objectContaining({ problems: [expect.objectContaining({ path: '/timezone' })] }),
      );
    expect(parseDefinition('client: a\ntimezone: Europe/Berlin\nservices:\n  - { id: s, target: 99, members: [a] }\n', 'a.yaml').timezone).toBe(
      'Europe/Berlin',
    );
  });
});
