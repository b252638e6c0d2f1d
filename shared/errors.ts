/**
 * Coded errors. Every error a user can cause (bad config, bad API body, bad token,
 * bad spool file …) is a VigilError with a stable `VIGIL_ERR_*` code, an HTTP status
 * for the API, and a message a person can act on. `problems` lists every problem
 * found (with its path) when validation finds more than one.
 */
export interface Problem {
  /** JSON-pointer-like path of the offending value, e.g. `/checks/2/interval`. */
  path: string;
  message: string;
}

export const ErrorCodes = {
  CONFIG_INVALID: { status: 500, text: 'configuration is invalid' },
  CONFIG_NOT_FOUND: { status: 500, text: 'configuration file not found' },
  SECRET_FILE_OPEN: { status: 500, text: 'a secret file is readable by other users' },
  DEFINITION_INVALID: { status: 400, text: 'SLA definition is invalid' },
  DEFINITION_NOT_IN_FORCE: { status: 400, text: 'no version of the SLA definition is in force for that period' },
  BODY_INVALID: { status: 400, text: 'request body is invalid' },
  BODY_TOO_LARGE: { status: 413, text: 'request body is too large' },
  QUERY_INVALID: { status: 400, text: 'query is invalid' },
  SAMPLE_INVALID: { status: 400, text: 'sample is invalid' },
  SAMPLE_TIME: { status: 400, text: 'sample timestamp is outside the accepted window' },
  LIMIT: { status: 400, text: 'a per-agent limit would be exceeded' },
  RATE_LIMITED: { status: 429, text: 'too many requests; retry after the time in Retry-After' },
  UNAUTHENTICATED: { status: 401, text: 'missing or invalid token' },
  FORBIDDEN: { status: 403, text: 'token does not allow this' },
  NOT_FOUND: { status: 404, text: 'not found' },
  CONFLICT: { status: 409, text: 'conflict' },
  TOKEN_REVOKED: { status: 401, text: 'token has been revoked' },
  TOKEN_EXPIRED: { status: 401, text: 'token has expired' },
  SPOOL_CORRUPT: { status: 500, text: 'spool file is corrupt' },
  CSV_INVALID: { status: 400, text: 'CSV input is invalid' },
  PERMISSION: { status: 500, text: 'missing permission' },
  NATIVE_UNAVAILABLE: { status: 500, text: 'a native part of the agent could not be loaded' },
  PROBE_CONFIG: { status: 400, text: 'probe configuration is invalid' },
  UPSTREAM: { status: 502, text: 'upstream failed' },
  STORE_UNAVAILABLE: { status: 503, text: 'the database is unavailable; retry later' },
  STORE_SCHEMA: { status: 500, text: 'the database schema is newer than this collector' },
  STORE_IN_USE: { status: 409, text: 'a running collector holds the database; stop it first' },
  BACKUP_INVALID: { status: 400, text: 'the file is not a usable Vigil database backup' },
  BACKUP_UNSUPPORTED: { status: 501, text: 'this store engine is backed up with its own tools' },
  INTERNAL: { status: 500, text: 'internal error' },
} as const;

export type ErrorKey = keyof typeof ErrorCodes;
export type ErrorCode = `VIGIL_ERR_${ErrorKey}`;

export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly problems: Problem[];

  constructor(key: ErrorKey, message?: string, problems: Problem[] = [], options?: { cause?: unknown }) {
    super(message ?? ErrorCodes[key].text, options);
    this.name = 'VigilError';
    this.code = `VIGIL_ERR_${key}`;
    this.statusCode = ErrorCodes[key].status;
    this.problems = problems;
  }

  /** The body the API sends for this error. */
  toJSON(): { error: { code: ErrorCode; message: string; problems?: Problem[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.problems.length > 0 ? { problems: this.problems } : {}),
      },
    };
  }

  /** Multi-line text for a terminal: the message, then one line per problem. */
  toText(): string {
    const lines = [`${this.code}: ${this.message}`];
    for (const p of this.problems) lines.push(`  ${p.path || '/'}: ${p.message}`);
    return lines.join('\n');
  }
}

export function isVigilError(e: unknown): e is VigilError {
  return e instanceof VigilError;
}
