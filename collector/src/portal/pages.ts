import { createHash } from 'node:crypto';
import type { Interval, SlaReport } from '../../../shared/sla/types.js';
import type { IncidentRow } from '../store/types.js';

/** The client portal's pages: server-rendered HTML, one inline script (the login link), no framework. */
export const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A login link carries the token in the fragment (never sent to a server, never in a log): this moves it into the form. */
const LOGIN_SCRIPT =
  "const t=new URLSearchParams(location.hash.slice(1)).get('token');if(t){history.replaceState(null,'',location.pathname);const f=document.getElementById('login');f.token.value=t;f.submit();}";
const scriptHash = `sha256-${createHash('sha256').update(LOGIN_SCRIPT).digest('base64')}`;

/** Content-Security-Policy of every portal page: nothing from elsewhere, no other script, no framing, forms to itself only. */
export const CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; script-src '${scriptHash}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

const STYLE =
  'body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}header{background:#17324d;color:#fff;padding:.8rem 1.5rem;display:flex;justify-content:space-between;align-items:center}' +
  'main{max-width:68rem;margin:1.5rem auto;padding:0 1.5rem}h1{font-size:1.25rem;margin:0}h2{font-size:1.05rem;margin:1.6rem 0 .5rem}table{border-collapse:collapse;width:100%;background:#fff}' +
  'th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e3e6ea}th{font-weight:600;background:#eef1f4}.num{text-align:right;font-variant-numeric:tabular-nums}' +
  '.ok{color:#17663a}.risk{color:#9a5b00}.bad{color:#a4161a}.muted{color:#6b7380}button{font:inherit;padding:.35rem .9rem;cursor:pointer}form.inline{display:inline}' +
  '.card{background:#fff;padding:1.5rem;max-width:26rem;margin:4rem auto;border-radius:6px;box-shadow:0 1px 3px #0002}input{font:inherit;width:100%;padding:.4rem;box-sizing:border-box}';

export function layout(title: string, body: string, header = ''): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(title)}</title><style>${STYLE}</style></head><body>${header}${body}</body></html>`
  );
}

export function loginPage(message?: string): string {
  return layout(
    'Vigil — sign in',
    `<div class="card"><h1>Vigil client portal</h1><p>Sign in with the access token your service provider gave you.</p>` +
      (message ? `<p class="bad" role="alert">${esc(message)}</p>` : '') +
      `<form id="login" method="post" action="/portal/login"><label>Access token <input name="token" type="password" autocomplete="off" required></label>` +
      `<p><button type="submit">Sign in</button></p></form></div><script>${LOGIN_SCRIPT}</script>`,
  );
}

export function messagePage(title: string, text: string): string {
  return layout(title, `<div class="card"><h1>${esc(title)}</h1><p>${esc(text)}</p><p><a href="/portal/">Back</a></p></div>`);
}

const pct = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '—' : `${v.toFixed(digits)} %`);
const iso = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');
function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

export interface ClientView {
  report: SlaReport;
  open: IncidentRow[];
  recent: IncidentRow[];
  /** Maintenance windows ahead, per service. */
  maintenance: Array<{ service: string; window: Interval }>;
  /** Other clients the principal may see (a switcher), and who is signed in. */
  clients: string[];
  who: string;
}

export function clientPage(v: ClientView): string {
  const r = v.report;
  const services = r.services
    .map((s) => {
      const projected = s.toDate?.projectedAvailabilityPercent ?? null;
      const state = s.breached ? ['bad', 'breached'] : s.toDate?.projectedBreach ? ['risk', 'at risk'] : ['ok', 'on track'];
      return (
        `<tr data-service="${esc(s.id)}" data-availability="${s.availabilityPercent ?? ''}" data-target="${s.target}" data-budget-remaining="${s.errorBudget.remainingSeconds}">` +
        `<td>${esc(s.id)}</td><td class="num">${pct(s.target)}</td><td class="num">${pct(s.availabilityPercent)}</td><td class="num">${pct(projected)}</td>` +
        `<td class="num">${span(s.errorBudget.remainingSeconds)} (${(s.errorBudget.remainingRatio * 100).toFixed(0)} %)</td>` +
        `<td class="num">${span(s.downtimeSeconds)}</td><td class="${state[0]}">${state[1]}</td></tr>`
      );
    })
    .join('');
  const incidentRows = (rows: IncidentRow[], resolved: boolean) =>
    rows.length === 0
      ? `<tr><td colspan="5" class="muted">none</td></tr>`
      : rows
          .map(
            (i) =>
              `<tr data-incident="${i.id}"><td>#${i.id}</td><td>${esc(i.service)}</td><td>${esc(i.kind)}</td><td>${iso(i.startedAt)}</td>` +
              `<td>${resolved ? `${iso(i.resolvedAt)} (${span(((i.resolvedAt ?? i.startedAt) - i.startedAt) / 1000)})` : i.acknowledgedAt ? `acknowledged ${iso(i.acknowledgedAt)}` : 'open'}</td></tr>`,
          )
          .join('');
  const maint =
    v.maintenance.length === 0
      ? '<p class="muted">No maintenance planned in the next 14 days.</p>'
      : `<table><tr><th>Service</th><th>From</th><th>To</th></tr>${v.maintenance
          .map((m) => `<tr><td>${esc(m.service)}</td><td>${iso(m.window.start)}</td><td>${iso(m.window.end)}</td></tr>`)
          .join('')}</table>`;
  const switcher =
    v.clients.length > 1 ? ` · ${v.clients.map((c) => `<a style="color:#cfe3ff" href="/portal/${encodeURIComponent(c)}">${esc(c)}</a>`).join(' ')}` : '';
  const header =
    `<header><h1>${esc(r.client)} — service levels${switcher}</h1><span>${esc(v.who)} ` +
    `<form class="inline" method="post" action="/portal/logout"><button type="submit">Sign out</button></form></span></header>`;
  const body =
    `<main><p>Period <strong>${esc(r.period.label)}</strong> (${esc(r.period.start.slice(0, 10))} to ${esc(r.period.end.slice(0, 10))}, ${esc(r.timezone)}), ` +
    `figures as of ${esc(r.generatedAt.replace('T', ' ').slice(0, 16))} UTC, contract version ${esc(r.definitionVersion)}.</p>` +
    `<h2>Services</h2><table><tr><th>Service</th><th class="num">Target</th><th class="num">Availability to date</th><th class="num">Projected end of period</th>` +
    `<th class="num">Error budget left</th><th class="num">Downtime</th><th>Status</th></tr>${services}</table>` +
    `<h2>Open incidents</h2><table><tr><th>#</th><th>Service</th><th>Kind</th><th>Started</th><th>State</th></tr>${incidentRows(v.open, false)}</table>` +
    `<h2>Recent incidents (this period)</h2><table><tr><th>#</th><th>Service</th><th>Kind</th><th>Started</th><th>Resolved</th></tr>${incidentRows(v.recent, true)}</table>` +
    `<h2>Maintenance ahead</h2>${maint}` +
    `<h2>Reports</h2><p><a href="/portal/${encodeURIComponent(r.client)}/report.html">This period's report</a> · ` +
    `<a href="/portal/${encodeURIComponent(r.client)}/report.json">its figures (JSON)</a></p></main>`;
  return layout(`${r.client} — Vigil`, body, header);
}
