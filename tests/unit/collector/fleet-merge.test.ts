import { describe, expect, it } from 'vitest';
import { type Layer, layerProblems, refOf } from '../../../collector/src/fleet/layer.js';
import { resolveConfig } from '../../../collector/src/fleet/merge.js';

const who = { client: 'acme', site: 'hq', agent: 'acme.hq-1' };
const http = (id: string, url = `http://${id}.example/`, more: Record<string, unknown> = {}) => ({ id, type: 'http', url, ...more });
const ids = (layers: Array<{ key: string; layer: Layer }>) => resolveConfig(layers, who).document.checks.map((c) => (c as { id: string }).id);

describe('central configuration: layers merged template → site → agent', () => {
  const template: Layer = {
    defaults: { interval: '30s', timeout: '5s' },
    labels: { tier: 'gold' },
    checks: [http('m365-{site}'), http('web-1'), http('dns-1')],
  };
  const site: Layer = {
    defaults: { interval: '10s' },
    labels: { room: 'b2' },
    remove: ['dns-1'],
    checks: [http('web-1', 'http://hq.acme.lan/'), http('fw-{site}')],
  };
  const agent: Layer = { remove: ['fw-{site}'], checks: [http('dns-1', 'http://agent-only/')] };

  it('replaces by id in place, removes ids of the layers below, appends new ids, merges defaults and labels key by key', () => {
    const r = resolveConfig(
      [
        { key: 'clients/acme', layer: template },
        { key: 'sites/acme/hq', layer: site },
        { key: 'agents/acme.hq-1', layer: agent },
      ],
      who,
    );
    expect(r.document.checks).toEqual([http('m365-hq', 'http://m365-hq.example/'), http('web-1', 'http://hq.acme.lan/'), http('dns-1', 'http://agent-only/')]);
    expect(r.document.defaults).toEqual({ interval: '10s', timeout: '5s' });
    expect(r.document.labels).toEqual({ tier: 'gold', room: 'b2' });
    expect(r.sources).toEqual({ 'm365-hq': 'clients/acme', 'web-1': 'sites/acme/hq', 'dns-1': 'agents/acme.hq-1' });
    expect(r.layers).toEqual(['clients/acme', 'sites/acme/hq', 'agents/acme.hq-1']);
  });

  it('the template alone gives each site its own ids through the placeholders (a check id belongs to one agent of a client)', () => {
    const one = resolveConfig([{ key: 'clients/acme', layer: template }], who).document.checks.map((c) => (c as { id: string }).id);
    const other = resolveConfig([{ key: 'clients/acme', layer: template }], { ...who, site: 'branch', agent: 'acme.branch-1' }).document.checks.map(
      (c) => (c as { id: string }).id,
    );
    expect(one).toEqual(['m365-hq', 'web-1', 'dns-1']);
    expect(other).toEqual(['m365-branch', 'web-1', 'dns-1']);
    const s = resolveConfig([{ key: 'clients/acme', layer: { checks: [http('gw', 'http://gw.{site}.{client}.lan/{agent}')] } }], who);
    expect((s.document.checks[0] as { url: string }).url).toBe('http://gw.hq.acme.lan/acme.hq-1');
  });

  it('a removed id added again by a later layer goes last; an empty set of layers is an empty list', () => {
    expect(
      ids([
        { key: 'clients/acme', layer: { checks: [http('a'), http('b')] } },
        { key: 'sites/acme/hq', layer: { remove: ['a'], checks: [http('a')] } },
      ]),
    ).toEqual(['b', 'a']);
    expect(resolveConfig([], who).document).toEqual({ version: expect.stringMatching(/^[0-9a-f]{16}$/), checks: [] });
  });

  it('the version is the content: equal documents whatever the key order have one version, any change gives another', () => {
    const v = (layer: Layer) => resolveConfig([{ key: 'clients/acme', layer }], who).document.version;
    const base = v({ checks: [{ id: 'a', type: 'http', url: 'http://x/', timeout: '2s' }] });
    expect(v({ checks: [{ timeout: '2s', url: 'http://x/', type: 'http', id: 'a' }] })).toBe(base);
    expect(v({ checks: [{ id: 'a', type: 'http', url: 'http://x/', timeout: '3s' }] })).not.toBe(base);
    expect(v({ checks: [{ id: 'a', type: 'http', url: 'http://x/', timeout: '2s' }], labels: { x: 'y' } })).not.toBe(base);
    // placeholders resolve per agent: the same template is another version at another site
    const t: Layer = { checks: [http('gw-{site}')] };
    expect(resolveConfig([{ key: 'clients/acme', layer: t }], who).document.version).not.toBe(
      resolveConfig([{ key: 'clients/acme', layer: t }], { ...who, site: 'branch' }).document.version,
    );
  });

  it('layerProblems: the shape only, every problem with its path (unknown keys, ids, duplicates, placeholders, bounds)', () => {
    expect(layerProblems(null)).toEqual([]);
    expect(layerProblems({ checks: [{ id: 'a', type: 'anything', whatever: 1 }] })).toEqual([]); // options are the agent's to judge
    expect(
      layerProblems({ checks: [{ type: 'http' }], spool: {} })
        .map((p) => p.path)
        .sort(),
    ).toEqual(['/', '/checks/0']);
    expect(layerProblems({ checks: [http('a'), http('b'), http('a')] })).toEqual([{ path: '/checks/2/id', message: 'duplicate check id "a" in this layer' }]);
    expect(layerProblems({ checks: [http('gw-{room}')], remove: ['x-{sitee}'] }).map((p) => p.path)).toEqual(['/checks/0/id', '/remove/0']);
    expect(layerProblems({ checks: [http('../etc')] })[0]!.path).toBe('/checks/0/id');
    expect(layerProblems({ checks: Array.from({ length: 1001 }, (_, i) => http(`c${i}`)) })[0]!.path).toBe('/checks');
  });

  it('refOf: only ids name layers, so no key reaches outside the config dir', () => {
    expect(refOf('sites/acme/hq')).toEqual({ kind: 'site', client: 'acme', site: 'hq' });
    expect(refOf('agents/acme.hq-1')).toEqual({ kind: 'agent', agent: 'acme.hq-1' });
    for (const bad of ['clients/..', 'sites/acme/../x', 'clients/a/b', 'other/x', 'clients/.hidden']) expect(refOf(bad), bad).toBeUndefined();
  });
});
