import { afterEach, describe, expect, it } from 'vitest';
import type { PsaChannelConfig } from '../../../collector/src/notify/channel-config.js';
import { psaChannel, psaConfigProblems } from '../../../collector/src/notify/psa.js';
import { never, resolvedMessage, sampleMessage, startReceiver, type Receiver } from './receiver.js';

const open: Receiver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

/** Sends one message through a PSA channel to a loopback receiver; returns what arrived. */
async function ticket(cfg: Omit<PsaChannelConfig, 'type' | 'name' | 'url'>, msg = sampleMessage()) {
  const r = await startReceiver((_q, res) => void res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":1}'));
  open.push(r);
  const full: PsaChannelConfig = { type: 'psa', name: 'psa', url: `${r.url}/service/tickets`, ...cfg };
  expect(psaConfigProblems(full, '/c')).toEqual([]);
  const res = await psaChannel(full).send(msg, 'd-psa', never());
  expect(res).toEqual({ ok: true, status: 201 });
  const req = r.requests[0]!;
  return { req, body: JSON.parse(req.body) as unknown };
}

const details = (body: unknown, key: string) => (body as Record<string, string>)[key]!;

describe('PSA presets produce the vendor shape', () => {
  it('connectwise: POST /service/tickets with summary, company, board, priority, initialDescription', async () => {
    const { req, body } = await ticket({
      template: 'connectwise',
      fields: { company: 'ACME', board: 'NOC' },
      headers: { Authorization: 'Basic YWJj', clientId: 'cid' },
    });
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hook/service/tickets');
    expect(req.headers.authorization).toBe('Basic YWJj');
    expect(req.headers.clientid).toBe('cid');
    expect(req.headers['x-vigil-delivery']).toBe('d-psa');
    expect(Object.keys(body as object)).toEqual(['summary', 'company', 'board', 'priority', 'initialDescription']); // no status: statusMap unset
    expect(body).toMatchObject({
      summary: 'DOWN acme/network (p1)',
      company: { identifier: 'ACME' },
      board: { name: 'NOC' },
      priority: { name: 'Priority 1 - Emergency Response' },
    });
    expect(details(body, 'initialDescription')).toContain('Members down: fw-1, sw-1');
    expect(details(body, 'initialDescription')).toContain('Reference: vigil-incident-42');
  });

  it('connectwise: summary cut to 100 characters; a resolved incident carries the mapped closing status', async () => {
    const long = sampleMessage({ title: `DOWN ${'x'.repeat(200)}` });
    const { body } = await ticket({ template: 'connectwise', fields: { company: 'ACME', board: 'NOC' } }, long);
    expect(details(body, 'summary')).toHaveLength(100);
    const closed = await ticket({ template: 'connectwise', fields: { company: 'ACME', board: 'NOC' }, statusMap: { resolved: '>Closed' } }, resolvedMessage());
    expect(closed.body).toMatchObject({ status: { name: '>Closed' } });
    expect(details(closed.body, 'initialDescription').startsWith('RESOLVED: Vigil incident #42 is over (2026-10-05 10:12:00 UTC, after 12m 00s)')).toBe(true);
  });

  it('autotask: Tickets entity with numeric companyID/queueID, priority and status; resolved → status 5', async () => {
    const cfg = { template: 'autotask', fields: { companyId: 0, queueId: 29682833 }, clientFields: { acme: { companyId: 174 } } };
    const { body } = await ticket(cfg);
    expect(body).toEqual({
      title: 'DOWN acme/network (p1)',
      description: expect.stringContaining('acme/network is down') as unknown,
      companyID: 174,
      queueID: 29682833,
      priority: 4,
      status: 1,
    });
    const done = await ticket(cfg, resolvedMessage());
    expect(done.body).toMatchObject({ status: 5, priority: 4 });
    expect(details(done.body, 'description')).toMatch(/^RESOLVED: /);
  });

  it('halopsa: an array of one ticket with summary, details, client_id, tickettype_id, priority_id', async () => {
    const cfg = { template: 'halopsa', fields: { clientId: 12, ticketTypeId: 3 }, priorityMap: { p1: 5 }, statusMap: { resolved: 9 } };
    const { body } = await ticket(cfg);
    expect(Array.isArray(body)).toBe(true);
    expect(body).toEqual([{ summary: 'DOWN acme/network (p1)', details: expect.any(String) as unknown, client_id: 12, tickettype_id: 3, priority_id: 5 }]);
    const done = await ticket(cfg, resolvedMessage());
    expect((done.body as Array<Record<string, unknown>>)[0]).toMatchObject({ status_id: 9, summary: 'UP acme/network (p1), down 12m 00s' });
  });
});

describe('custom PSA templates', () => {
  it('substitutes JSON-safely, keeps numbers typed, truncates, and uses the configured method', async () => {
    const msg = sampleMessage({ title: 'DOWN "acme" \\ net\nwork', text: 'line one\nline "two"' });
    const template =
      '{"subject":"[{{client}}] {{title}}","ref":"{{reference}}","incident":"{{incident.id}}","note":"{{text:8}}","site":"{{incident.site}}","meta":{"board":"{{fields.board}}","prio":"{{psaPriority}}"},"tags":["vigil","{{event}}"]}';
    const { req, body } = await ticket({ template, method: 'PUT', fields: { board: 'Ops' } }, msg);
    expect(req.method).toBe('PUT');
    expect(body).toEqual({
      subject: '[acme] DOWN "acme" \\ net\nwork',
      ref: 'vigil-incident-42',
      incident: 42,
      note: 'line on…',
      meta: { board: 'Ops', prio: 'p1' }, // no priorityMap: the Vigil priority itself
      tags: ['vigil', 'incident.opened'],
    }); // `site` is absent from the message, so the field is left out
  });

  it('accepts the template as YAML structure, not only as JSON text', async () => {
    const { body } = await ticket({ template: { summary: '{{title:4}}', company: { id: '{{fields.companyId}}' } }, clientFields: { acme: { companyId: 7 } } });
    expect(body).toEqual({ summary: 'DOW…', company: { id: 7 } }); // the cut is marked, within the limit
  });
});

describe('PSA config problems at start-up', () => {
  const base = { type: 'psa', name: 'p', url: 'http://127.0.0.1/' } as const;
  it('names bad JSON, unknown and malformed placeholders, and fields without a value', () => {
    expect(psaConfigProblems({ ...base, template: '{"a": ' }, '/n/0')).toEqual([
      { path: '/n/0/template', message: expect.stringMatching(/^is not valid JSON/) as unknown },
    ]);
    expect(psaConfigProblems({ ...base, template: 'servicenow' }, '/n/0')[0]!.message).toMatch(/connectwise, autotask, halopsa or a JSON template/);
    const p = psaConfigProblems({ ...base, template: '{"a":"{{titel}}","b":"{{ broken","c":"{{fields.board}}"}' }, '/n/0');
    expect(p.map((x) => x.path)).toEqual(['/n/0/template/b', '/n/0/template', '/n/0/fields']);
    expect(p[0]!.message).toContain('"{{ broken"');
    expect(p[1]!.message).toContain('unknown placeholder {{titel}}');
    expect(p[2]!.message).toContain('set fields.board');
    expect(psaConfigProblems({ ...base, template: 'autotask', fields: { companyId: 1 } }, '/x')).toEqual([
      { path: '/x/fields', message: expect.stringContaining('fields.queueId') as unknown },
    ]);
  });
});
