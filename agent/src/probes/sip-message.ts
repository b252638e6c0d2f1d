import { randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';

export type SipTransport = 'udp' | 'tcp';

/** The identifiers of one OPTIONS transaction; retransmissions reuse them unchanged (RFC 3261 §17.1.2). */
export interface Transaction {
  branch: string;
  callId: string;
  fromTag: string;
  cseq: number;
}

export interface SipResponse {
  code: number;
  reason: string;
  /** Lower-case full header names (compact forms expanded); repeated headers keep every value. */
  headers: Map<string, string[]>;
}

/** RFC 3261 §7.3.3 compact header forms that a server may answer with. */
const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id',
  v: 'via',
  f: 'from',
  t: 'to',
  l: 'content-length',
  m: 'contact',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
};
/** A header block larger than this is not a SIP response we want to keep buffering. */
const MAX_HEADER_BYTES = 65_536;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export function newTransaction(): Transaction {
  // `z9hG4bK` is the RFC 3261 magic cookie: it tells the server the branch is a transaction id.
  return { branch: `z9hG4bK${hex(8)}`, callId: `${hex(12)}@vigil`, fromTag: hex(4), cseq: 1 };
}

export const hostPort = (host: string, port: number) => `${isIPv6(host) ? `[${host}]` : host}:${port}`;

/** An OPTIONS request with every header RFC 3261 §8.1.1 requires, plus Contact and Content-Length: 0. */
export function buildOptions(o: { uri: string; transport: SipTransport; localAddress: string; localPort: number; tx: Transaction }): Buffer {
  const local = hostPort(o.localAddress, o.localPort);
  const lines = [
    `OPTIONS ${o.uri} SIP/2.0`,
    // rport (RFC 3581): answer to the source port, which matters behind NAT.
    `Via: SIP/2.0/${o.transport.toUpperCase()} ${local};branch=${o.tx.branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:vigil@${isIPv6(o.localAddress) ? `[${o.localAddress}]` : o.localAddress}>;tag=${o.tx.fromTag}`,
    `To: <${o.uri}>`,
    `Call-ID: ${o.tx.callId}`,
    `CSeq: ${o.tx.cseq} OPTIONS`,
    `Contact: <sip:vigil@${local};transport=${o.transport}>`,
    'Accept: application/sdp',
    'User-Agent: vigil-agent',
    'Content-Length: 0',
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
}

/** Parses a response's status line and headers; a string is the reason it is not a SIP response. */
export function parseResponse(text: string): SipResponse | string {
  const end = text.indexOf('\r\n\r\n');
  const head = end >= 0 ? text.slice(0, end) : text;
  // Header continuation lines (leading whitespace) belong to the previous header (RFC 3261 §7.3.1).
  const lines = head.split(/\r?\n/).reduce<string[]>((acc, line) => {
    if (/^[ \t]/.test(line) && acc.length > 0) acc[acc.length - 1] += ` ${line.trim()}`;
    else acc.push(line);
    return acc;
  }, []);
  const status = /^SIP\/2\.0 ([1-6]\d\d) ?(.*)$/.exec(lines[0] ?? '');
  if (!status) return `not a SIP response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`;
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `malformed header line: ${JSON.stringify(line.slice(0, 80))}`;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { code: Number(status[1]), reason: status[2]!.trim(), headers };
}

/** RFC 3261 §17.1.3 says the branch matches; we match Call-ID and CSeq, which every server echoes. */
export function isResponseTo(res: SipResponse, tx: Transaction): boolean {
  const cseq = res.headers.get('cseq')?.[0]?.split(/\s+/);
  return res.headers.get('call-id')?.[0] === tx.callId && Number(cseq?.[0]) === tx.cseq && cseq?.[1]?.toUpperCase() === 'OPTIONS';
}

/**
 * Cuts one message off the front of a TCP byte stream (RFC 3261 §18.3: headers end at the
 * blank line, Content-Length gives the body). `undefined` means "need more bytes".
 */
export function takeMessage(buf: Buffer): { message: string; rest: Buffer } | { malformed: string } | undefined {
  let start = 0;
  while (buf[start] === 0x0d || buf[start] === 0x0a) start++; // CRLF keep-alives (RFC 5626 §3.5.1)
  const end = buf.indexOf('\r\n\r\n', start);
  if (end < 0) return buf.length - start > MAX_HEADER_BYTES ? { malformed: 'header block too large' } : undefined;
  const head = buf.subarray(start, end).toString('utf8');
  const cl = /^(?:content-length|l)[ \t]*:[ \t]*(\S*)/im.exec(head);
  const length = !cl ? 0 : /^\d+$/.test(cl[1]!) ? Number(cl[1]) : NaN;
  if (Number.isNaN(length)) return { malformed: `bad Content-Length ${JSON.stringify(cl?.[1])}` };
  const bodyEnd = end + 4 + length;
  if (buf.length < bodyEnd) return undefined;
  return { message: buf.subarray(start, bodyEnd).toString('utf8'), rest: buf.subarray(bodyEnd) };
}
