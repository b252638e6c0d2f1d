import type { FailureReason } from './types.js';

/** Maps a socket/TLS/DNS error to a failure reason: failure is data, not an exception. */
export function classifyError(e: unknown, signal?: AbortSignal): { reason: FailureReason; message: string } {
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err?.code ?? err?.cause?.code ?? '';
  const message = err?.cause?.message ?? err?.message ?? String(e);
  if (signal?.aborted || /TIMEOUT|ETIMEDOUT|AbortError/i.test(code) || err?.name === 'AbortError' || err?.name === 'TimeoutError')
    return { reason: 'timeout', message: 'timed out' };
  if (code === 'ECONNREFUSED') return { reason: 'refused', message };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return { reason: 'dns', message };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return { reason: 'reset', message };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { reason: 'unreachable', message };
  if (/CERT|SSL|TLS|SELF_SIGNED|ERR_TLS|UNABLE_TO_VERIFY/i.test(code) || /certificate|handshake/i.test(message)) return { reason: 'tls', message };
  return { reason: 'error', message };
}
