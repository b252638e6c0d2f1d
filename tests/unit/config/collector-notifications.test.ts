import { describe, expect, it } from 'vitest';
import { parseCollectorConfig } from '../../../collector/src/config.js';
import { VigilError } from '../../../shared/errors.js';

const problemsOf = (raw: unknown) => {
  try {
    parseCollectorConfig(raw, 'collector.yaml');
  } catch (e) {
    if (e instanceof VigilError) return e.problems.map((p) => p.path);
    throw e;
  }
  return [];
};

describe('collector notification config', () => {
  it('lists schema problems, channel problems and escalation/name cross-checks in one report', () => {
    const paths = problemsOf({
      dataDir: '/tmp/x',
      listen: { port: 99999 },
      notifications: {
        channels: [{ type: 'slack', name: 'noc', url: 'ftp://no' }],
        webhooks: [{ name: 'noc', url: 'http://127.0.0.1:1/' }],
        escalation: [{ after: '5m', channels: ['noc', 'boss'] }],
      },
    });
    expect(paths).toEqual(
      expect.arrayContaining(['/listen/port', '/notifications/channels/0/url', '/notifications/webhooks/0/name', '/notifications/escalation/0/channels/1']),
    );
    expect(paths).not.toContain('/notifications/escalation/0/channels/0');
  });

  it('takes the webhooks shorthand as webhook channels beside the others', () => {
    const c = parseCollectorConfig(
      { dataDir: '/tmp/x', notifications: { channels: [{ type: 'slack', name: 's', url: 'https://h/' }], webhooks: [{ name: 'w', url: 'http://h/' }] } },
      'c.yaml',
    );
    expect(c.channels.map((x) => `${x.type}:${x.name}`)).toEqual(['slack:s', 'webhook:w']);
  });
});
