/**
 * Every failure a user can act on is one of these classes. Each carries the process exit
 * code documented in the README and a hint that says what to check.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  unreachable: 3,
  auth: 4,
  tls: 5,
  unsupported: 6,
  rejected: 7,
  content: 8,
  engine: 9,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class PackError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  constructor(message: string, exitCode: ExitCodeValue, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** A flag, URL or file given on the command line is wrong. */
export class UsageError extends PackError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, hint, options);
  }
}

export class UnreachableError extends PackError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.unreachable, hint, options);
  }
}

export class AuthError extends PackError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.auth, hint, options);
  }
}

export class TlsError extends PackError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.tls, hint, options);
  }
}

export class UnsupportedEngineError extends PackError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.unsupported, hint, options);
  }
}

/** The cluster refused an object this pack sent; names the object and the cluster's reason. */
export class RejectedObjectError extends PackError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.rejected, hint, options);
  }
}

/** A file under pipelines/, mappings/ or rules/, or a profile, is invalid. */
export class ContentError extends PackError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.content, hint, options);
  }
}

/** The local engine could not be assembled, started or stopped. */
export class LocalEngineError extends PackError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.engine, hint, options);
  }
}

/** Formats any error for a terminal: message, hint, and nothing secret. */
export function formatError(err: unknown): { text: string; exitCode: ExitCodeValue } {
  if (err instanceof PackError) {
    const lines = [`error: ${err.message}`];
    if (err.hint) lines.push(`hint: ${err.hint}`);
    return { text: lines.join('\n'), exitCode: err.exitCode };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { text: `error: unexpected failure: ${message}`, exitCode: ExitCode.internal };
}
