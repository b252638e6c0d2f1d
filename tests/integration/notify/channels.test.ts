import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { slackChannel } from '../../../collector/src/notify/slack.js';
import { teamsChannel } from '../../../collector/src/notify/teams.js';
import { webhookChannel } from '../../../collector/src/notify/webhook.js';
import { never, resolvedMessage, sampleMessage, startReceiver, type Receiver } from './receiver.js';

const open: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  open.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

describe('webhook channel', () => {
  it('posts the message as JSON with a signature over the raw body that verifies', async () => {
    const r = await receiver();
    const msg = sampleMessage({ title: 'DOWN "acme" / network — ünïcode' });
    const ch = webhookChannel({
      type: 'webhook',
      name: 'ops',
      url: r.url,
      secret: 's3cret',
      headers: { 'X-Vigil-Signature': 'forged', Authorization: 'Bearer t' },
    });
    const res = await ch.send(msg, 'd-42-opened-ops', never());
    expect(res).toEqual({ ok: true, status: 200 });
    expect(r.requests).toHaveLength(1);
    const req = r.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.body).toBe(JSON.stringify(msg));
    expect(JSON.parse(req.body)).toEqual(msg);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^vigil-collector\/\d/);
    expect(req.headers['x-vigil-delivery']).toBe('d-42-opened-ops');
    expect(req.headers['x-vigil-event']).toBe('incident.opened');
    expect(req.headers.authorization).toBe('Bearer t');
    // What a receiver does: HMAC over the bytes it read, constant-time compare.
    const expected = Buffer.from(`sha256=${createHmac('sha256', 's3cret').update(Buffer.from(req.body, 'utf8')).digest('hex')}`);
    const got = Buffer.from(String(req.headers['x-vigil-signature']));
    expect(got.length === expected.length && timingSafeEqual(got, expected)).toBe(true);
  });

  it('sends no signature without a secret', async () => {
    const r = await receiver();
    await webhookChannel({ type: 'webhook', name: 'ops', url: r.url }).send(sampleMessage(), 'd1', never());
    expect(r.requests[0]!.headers['x-vigil-signature']).toBeUndefined();
    expect(r.requests[0]!.headers['x-vigil-delivery']).toBe('d1');
  });
});

describe('slack channel', () => {
  it('posts text and header/section/actions/context blocks with the acknowledge button', async () => {
    const r = await receiver();
    const msg = sampleMessage({ text: 'fw-1 <b>down</b> & sw-1' });
    const res = await slackChannel({ type: 'slack', name: 'noc', url: r.url }).send(msg, 'd2', never());
    expect(res.ok).toBe(true);
    const p = JSON.parse(r.requests[0]!.body) as { text: string; blocks: Array<Record<string, any>> };
    expect(p.text).toBe('🔴 DOWN acme/network (p1)');
    expect(p.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(p.blocks[0]!.text).toEqual({ type: 'plain_text', text: '🔴 DOWN acme/network (p1)', emoji: true });
    expect(p.blocks[1]!.text.type).toBe('mrkdwn');
    expect(p.blocks[1]!.text.text).toBe('*Incident opened*\nfw-1 &lt;b&gt;down&lt;/b&gt; &amp; sw-1');
    expect(p.blocks[2]!.fields).toContainEqual({ type: 'mrkdwn', text: '*Members down*\nfw-1, sw-1' });
    expect(p.blocks[3]!.elements[0]).toMatchObject({ type: 'button', url: 'https://vigil.example/ack/abc', text: { text: 'Acknowledge' } });
    expect(p.blocks[3]!.elements[1]).toMatchObject({ type: 'button', url: 'https://vigil.example/api/v1/incidents/42' });
    expect(p.blocks[4]!.elements[0].text).toContain('<!date^1791194430^{date_short_pretty} {time_secs}|2026-10-05 10:00:30 UTC>');
  });

  it('offers no acknowledge button once the incident is resolved', async () => {
    const r = await receiver();
    await slackChannel({ type: 'slack', name: 'noc', url: r.url }).send(resolvedMessage(), 'd3', never());
    const p = JSON.parse(r.requests[0]!.body) as { text: string; blocks: Array<Record<string, any>> };
    expect(p.text.startsWith('✅')).toBe(true);
    const actions = p.blocks.find((b) => b.type === 'actions');
    expect(actions!.elements.map((e: { text: { text: string } }) => e.text.text)).toEqual(['Open incident']);
  });

  it("Slack's 400 invalid_payload is permanent and its code is in the error", async () => {
    const r = await receiver((_q, res) => void res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload'));
    const res = await slackChannel({ type: 'slack', name: 'noc', url: r.url }).send(sampleMessage(), 'd4', never());
    expect(res).toEqual({ ok: false, status: 400, error: 'HTTP 400: invalid_payload', permanent: true });
  });
});

describe('teams channel', () => {
  it('posts a message with one Adaptive Card 1.4, coloured by severity, with Action.OpenUrl acknowledge', async () => {
    const r = await receiver((_q, res) => void res.writeHead(202).end());
    const res = await teamsChannel({ type: 'teams', name: 'teams', url: r.url }).send(sampleMessage(), 'd5', never());
    expect(res).toEqual({ ok: true, status: 202 });
    const p = JSON.parse(r.requests[0]!.body) as Record<string, any>;
    expect(p.type).toBe('message');
    expect(p.attachments).toHaveLength(1);
    expect(p.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = p.attachments[0].content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).toMatchObject({ type: 'Container', style: 'attention' });
    expect(card.body[0].items[0]).toMatchObject({ type: 'TextBlock', text: '🔴 DOWN acme/network (p1)', color: 'attention' });
    expect(card.body.filter((b: { type: string }) => b.type === 'TextBlock').map((b: { text: string }) => b.text)).toEqual(sampleMessage().text.split('\n'));
    const facts = card.body.find((b: { type: string }) => b.type === 'FactSet').facts;
    expect(facts).toContainEqual({ title: 'Started', value: '2026-10-05 10:00:00 UTC' });
    expect(card.actions[0]).toEqual({ type: 'Action.OpenUrl', title: 'Acknowledge', url: 'https://vigil.example/ack/abc', style: 'positive' });
  });

  it('a resolved incident is green and has no acknowledge action', async () => {
    const r = await receiver((_q, res) => void res.writeHead(200).end('1'));
    const res = await teamsChannel({ type: 'teams', name: 'teams', url: r.url }).send(resolvedMessage(), 'd6', never());
    expect(res.ok).toBe(true);
    const card = (JSON.parse(r.requests[0]!.body) as Record<string, any>).attachments[0].content;
    expect(card.body[0].style).toBe('good');
    expect(card.actions.map((a: { title: string }) => a.title)).toEqual(['Open incident']);
  });

  it('a connector answering 200 with "delivery failed … HTTP error 429" is not delivered, and retryable', async () => {
    const text = 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0..';
    const r = await receiver((_q, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(text));
    const res = await teamsChannel({ type: 'teams', name: 'teams', url: r.url }).send(sampleMessage(), 'd7', never());
    expect(res.ok).toBe(false);
    expect(res.status).toBe(429);
    expect(res.permanent).toBeUndefined();
    expect(res.error).toContain('HTTP error 429');
  });

  it('… and with HTTP error 413 (card too large) it is permanent', async () => {
    const text = 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413 with ContextId x';
    const r = await receiver((_q, res) => void res.writeHead(200).end(text));
    const res = await teamsChannel({ type: 'teams', name: 'teams', url: r.url }).send(sampleMessage(), 'd8', never());
    expect(res).toMatchObject({ ok: false, status: 413, permanent: true });
  });
});
