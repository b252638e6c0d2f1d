import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Type } from 'typebox';
import { classifyError } from './classify-error.js';
import { defineProbe, type ProbeResult } from './types.js';

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'SRV', 'PTR', 'CAA'] as const;
type RecordType = (typeof RECORD_TYPES)[number];

const Options = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253 }),
    recordType: Type.Optional(Type.Enum([...RECORD_TYPES])),
    /** `ip`, `ip:port`, `[v6]:port` or a host name; default: the system resolver. */
    server: Type.Optional(Type.String({ pattern: '^(\\[[0-9A-Fa-f:.]+\\](:\\d{1,5})?|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*|[A-Za-z0-9_.-]+(:\\d{1,5})?)$' })),
    /** Each entry must match at least one answer: a literal (whole answer, case-insensitive) or `/regex/flags`. */
    expect: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  },
  { additionalProperties: false },
);

/** c-ares error codes that mean "the server answered, with this rcode or an empty answer". */
const ANSWERED: Readonly<Record<string, string>> = {
  ENOTFOUND: 'NXDOMAIN',
  ENODATA: 'NODATA',
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
  EFORMERR: 'FORMERR',
  ENOTIMP: 'NOTIMP',
  EBADRESP: 'malformed response',
};
/** Empty answers: with `expect` set they are a wrong answer rather than a resolver fault. */
const EMPTY = new Set(['NXDOMAIN', 'NODATA']);

/**
 * DNS lookup against one server (or the system resolver) with Node's c-ares Resolver:
 * no dependency, real UDP queries (c-ares falls back to TCP itself on truncation).
 * There is no `protocol` option because c-ares offers no clean way to force TCP.
 */
export const dnsProbe = defineProbe({
  type: 'dns',
  options: Options,
  describe: (o) => `${o.name} ${o.recordType ?? 'A'}${o.server ? ` @${o.server}` : ''}`,
  async run(o, ctx): Promise<ProbeResult> {
    const t0 = performance.now();
    const type = o.recordType ?? 'A';
    const result = (r: Omit<ProbeResult, 'durationMs'>): ProbeResult => ({ ...r, durationMs: performance.now() - t0 });
    let matchers: Array<(answer: string) => boolean> = [];
    try {
      matchers = (o.expect ?? []).map(toMatcher);
    } catch (e) {
      return result({ status: 'down', reason: 'config', message: `expect: ${(e as Error).message}`, metrics: {} });
    }
    // tries: 1 — the check's own retries decide about repeating; the signal bounds the wait.
    const resolver = new Resolver({ timeout: ctx.timeoutMs, tries: 1 });
    const where = `${o.name} ${type}${o.server ? ` from ${o.server}` : ''}`;
    if (o.server) {
      // Before the rcode mapping below: a server name that does not resolve is not an NXDOMAIN for `name`.
      try {
        resolver.setServers([await serverAddress(o.server)]);
      } catch (e) {
        const { reason, message } = classifyError(e, ctx.signal);
        return result({ status: 'down', reason: reason === 'error' ? 'config' : reason, message: `DNS server ${o.server}: ${message}`, metrics: {} });
      }
    }
    if (ctx.signal.aborted) return result({ status: 'down', reason: 'timeout', message: `${where}: timed out`, metrics: {} });
    const onAbort = () => resolver.cancel();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const lookupStart = performance.now();
    try {
      const answers = await query(resolver, o.name, type);
      const metrics = { lookup_seconds: (performance.now() - lookupStart) / 1000, answers: answers.length };
      const missing = (o.expect ?? []).filter((_, i) => !answers.some(matchers[i]!));
      if (missing.length > 0) {
        return result({
          status: 'down',
          reason: 'answer',
          message: `expected ${missing.map((m) => JSON.stringify(m)).join(', ')} not in answers [${answers.join(', ')}]`,
          metrics,
        });
      }
      return result({ status: 'up', metrics });
    } catch (e) {
      // resolver.cancel() surfaces as ECANCELLED; with the signal aborted classifyError calls it a timeout.
      const rcode = ctx.signal.aborted ? undefined : ANSWERED[(e as NodeJS.ErrnoException).code ?? ''];
      if (rcode === undefined) {
        const { reason, message } = classifyError(e, ctx.signal);
        return result({ status: 'down', reason, message: `${where}: ${message}`, metrics: {} });
      }
      const metrics = { lookup_seconds: (performance.now() - lookupStart) / 1000, answers: 0 };
      if (matchers.length > 0 && EMPTY.has(rcode))
        return result({ status: 'down', reason: 'answer', message: `${rcode} for ${where}; expected ${o.expect!.join(', ')}`, metrics });
      return result({ status: 'down', reason: 'dns', message: `${rcode} for ${where}`, metrics });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  },
});

/** `/re/flags` is a regex; anything else must equal a whole answer (names compare case-insensitively, without the root dot). */
function toMatcher(entry: string): (answer: string) => boolean {
  const re = /^\/(.+)\/([a-z]*)$/s.exec(entry);
  if (re) {
    const regex = new RegExp(re[1]!, re[2]);
    return (a) => regex.test(a);
  }
  const want = normalise(entry);
  return (a) => normalise(a) === want;
}
const normalise = (s: string) => s.trim().replace(/\.$/, '').toLowerCase();

/** setServers takes IP literals only, so a server given by name is looked up first (system resolver). */
async function serverAddress(server: string): Promise<string> {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(server) ?? (isIP(server) === 6 ? [server, server] : /^([^:]+)(?::(\d+))?$/.exec(server));
  if (!m) throw new Error('not an address, [v6]:port or host:port');
  const host = m[1]!;
  const ip = isIP(host) ? host : (await lookup(host)).address;
  const port = m[2] ?? '53';
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** One query, answers rendered as the zone-file-like strings that `expect` matches against. */
async function query(r: Resolver, name: string, type: RecordType): Promise<string[]> {
  switch (type) {
    case 'A':
      return r.resolve4(name);
    case 'AAAA':
      return r.resolve6(name);
    case 'CNAME':
      return r.resolveCname(name);
    case 'NS':
      return r.resolveNs(name);
    case 'PTR':
      return r.resolvePtr(isIP(name) ? arpaName(name) : name);
    case 'MX':
      return (await r.resolveMx(name)).map((x) => `${x.priority} ${x.exchange}`);
    case 'TXT':
      return (await r.resolveTxt(name)).map((chunks) => chunks.join(''));
    case 'SRV':
      return (await r.resolveSrv(name)).map((x) => `${x.priority} ${x.weight} ${x.port} ${x.name}`);
    case 'SOA': {
      const s = await r.resolveSoa(name);
      return [`${s.nsname} ${s.hostmaster} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minttl}`];
    }
    case 'CAA':
      return (await r.resolveCaa(name)).map(({ critical, ...rest }) => {
        const [tag, value] = Object.entries(rest).find(([, v]) => v !== undefined) ?? ['', ''];
        return `${critical} ${tag} ${String(value)}`;
      });
  }
}

/**
 * An IP address as PTR name means "its reverse name", as `dig -x` does. Not resolver.reverse():
 * that answers from /etc/hosts first and so may never ask the server under test.
 */
function arpaName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  // The WHATWG URL parser canonicalises IPv6 (an embedded IPv4 tail becomes two hex groups).
  const canon = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const [head = '', tail = ''] = canon.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = canon.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return `${[...groups.map((g) => g.padStart(4, '0')).join('')].reverse().join('.')}.ip6.arpa`;
}
