import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { routeMatches } from '../../../collector/src/notify/channel.js';
import { buildChannels, channelConfigProblems, type ChannelConfig } from '../../../collector/src/notify/channel-config.js';
import { isVigilError } from '../../../shared/errors.js';
import { never, sampleMessage, startReceiver, type Receiver } from './receiver.js';

// The documented example (the report's YAML), with URLs pointing at a loopback receiver.
const EXAMPLE = `
channels:
  - { type: webhook, name: ops-hook, url: "RECV/hook", secret: "change-me", headers: { Authorization: "Bearer abc" } }
  - { type: slack, name: noc-slack, url: "RECV/slack", priorities: [p1, p2] }
  - { type: teams, name: acme-teams, url: "RECV/teams", clients: [acme], timeout: 5s }
  - type: email
    name: noc-mail
    host: 127.0.0.1
    port: 1
    secure: false
    requireTLS: false
    auth: { user: vigil, pass: secret }
    from: "Vigil <vigil@msp.example>"
    to: [noc@msp.example]
    events: [incident.opened, incident.escalated, incident.resolved]
  - type: psa
    name: connectwise
    url: "RECV/v4_6_release/apis/3.0/service/tickets"
    template: connectwise
    headers: { Authorization: "Basic Y29tcGFueStwdWI6cHJpdg==", clientId: "00000000-0000-0000-0000-000000000000" }
    fields: { board: "NOC" }
    clientFields: { acme: { company: "ACME" } }
    priorities: [p1, p2]
`;

let recv: Receiver;
let cfgs: ChannelConfig[];
beforeAll(async () => {
  recv = await startReceiver();
  cfgs = (parse(EXAMPLE.replaceAll('RECV', `http://127.0.0.1:${new URL(recv.url).port}`)) as { channels: ChannelConfig[] }).channels;
});
afterAll(() => recv.close());

describe('notifications.channels config', () => {
  it('the documented example is valid and builds one routed channel per entry', () => {
    expect(channelConfigProblems(cfgs)).toEqual([]);
    const chans = buildChannels(cfgs);
    expect(chans.map((c) => [c.name, c.type, c.timeoutMs])).toEqual([
      ['ops-hook', 'webhook', 10_000],
      ['noc-slack', 'slack', 10_000],
      ['acme-teams', 'teams', 5000],
      ['noc-mail', 'email', 10_000],
      ['connectwise', 'psa', 10_000],
    ]);
    const byName = new Map(chans.map((c) => [c.name, c]));
    expect(byName.get('ops-hook')!.route).toEqual({});
    expect(byName.get('acme-teams')!.route).toEqual({ clients: ['acme'] });
    // A PSA channel without `events` only gets opened and resolved: a ticket per escalation would flood the board.
    expect(byName.get('connectwise')!.route).toEqual({ priorities: ['p1', 'p2'], events: ['incident.opened', 'incident.resolved'] });
    const psa = byName.get('connectwise')!.route;
    expect(routeMatches(psa, { client: 'acme', priority: 'p1', event: 'incident.opened' })).toBe(true);
    expect(routeMatches(psa, { client: 'acme', priority: 'p1', event: 'incident.acknowledged' })).toBe(false);
    expect(routeMatches(psa, { client: 'acme', priority: 'p3', event: 'incident.opened' })).toBe(false);
  });

  it('each HTTP channel built from config sends to its URL', async () => {
    const chans = buildChannels(cfgs).filter((c) => c.type !== 'email');
    for (const c of chans) expect(await c.send(sampleMessage(), `d-${c.name}`, never())).toMatchObject({ ok: true });
    expect(recv.requests.map((r) => r.path)).toEqual(['/hook', '/slack', '/teams', '/v4_6_release/apis/3.0/service/tickets']);
    expect(JSON.parse(recv.requests[3]!.body)).toMatchObject({ company: { identifier: 'ACME' }, board: { name: 'NOC' } });
  });

  it('lists every problem with its path, type by type', () => {
    const bad = [
      { type: 'webhook', name: 'a', url: 'ftp://x' },
      { type: 'pager', name: 'b' },
      { type: 'slack', name: 'a', url: 'https://hooks.slack.com/services/x', timeout: 0 },
      { type: 'email', name: 'm', host: 'h', from: 'nobody', to: [], extra: 1 },
      { type: 'teams', name: 't', url: 'https://x', events: ['incident.exploded'], clients: [] },
      { type: 'webhook', name: 'h', url: 'https://x', headers: { 'X-Bad': 'a\r\nInjected: 1' } },
      { type: 'psa', name: 'p', url: 'https://x', template: '{"s":"{{nope}}"}' },
    ];
    const problems = channelConfigProblems(bad, '/notifications/channels');
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('/notifications/channels/0/url');
    expect(problems).toContainEqual({ path: '/notifications/channels/1/type', message: 'must be one of: webhook, slack, teams, email, psa' });
    expect(problems).toContainEqual({ path: '/notifications/channels/2/name', message: '"a" is already the name of channel 0' });
    expect(problems).toContainEqual({ path: '/notifications/channels/2/timeout', message: 'must be more than 0 and at most 5m' });
    expect(paths).toEqual(expect.arrayContaining(['/notifications/channels/3', '/notifications/channels/3/from', '/notifications/channels/3/to']));
    expect(problems.find((p) => p.path === '/notifications/channels/3')!.message).toBe('unknown field(s): extra');
    expect(paths).toEqual(expect.arrayContaining(['/notifications/channels/4/events/0', '/notifications/channels/4/clients']));
    expect(paths).toContain('/notifications/channels/5/headers/X-Bad');
    expect(problems.find((p) => p.path === '/notifications/channels/6/template')!.message).toContain('unknown placeholder {{nope}}');
  });

  it('buildChannels refuses an invalid list with VIGIL_ERR_CONFIG_INVALID and all problems', () => {
    let err: unknown;
    try {
      buildChannels([
        { type: 'slack', name: 's', url: 'nope' },
        { type: 'psa', name: 'p', url: 'https://x', template: 'autotask' },
      ] as ChannelConfig[]);
    } catch (e) {
      err = e;
    }
    expect(isVigilError(err)).toBe(true);
    if (!isVigilError(err)) return;
    expect(err.code).toBe('VIGIL_ERR_CONFIG_INVALID');
    expect(err.problems.map((p) => p.path)).toEqual(['/notifications/channels/0/url', '/notifications/channels/1/fields', '/notifications/channels/1/fields']);
  });
});
