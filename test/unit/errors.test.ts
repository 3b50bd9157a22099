import { AuthError, ContentError, ExitCode, formatError, LocalEngineError, PackError, RejectedObjectError, TlsError, UnreachableError, UnsupportedEngineError, UsageError } from '../../src/errors.js';

describe('formatError', () => {
  it('prints a PackError with its hint on two lines and returns its exit code', () => {
    expect(formatError(new UsageError('--cluster "x" is not a URL', 'give the full address'))).toEqual({
      text: 'error: --cluster "x" is not a URL\nhint: give the full address',
      exitCode: 2,
    });
  });

  it('prints a PackError without hint on one line', () => {
    expect(formatError(new RejectedObjectError('the cluster rejected PUT /x (HTTP 400): bad'))).toEqual({
      text: 'error: the cluster rejected PUT /x (HTTP 400): bad',
      exitCode: 7,
    });
  });

  it('calls any other Error an unexpected failure with exit code 1', () => {
    expect(formatError(new TypeError('x is undefined'))).toEqual({ text: 'error: unexpected failure: x is undefined', exitCode: 1 });
  });

  it('handles values that are not errors', () => {
    expect(formatError('boom')).toEqual({ text: 'error: unexpected failure: boom', exitCode: 1 });
  });

  it('does not print the cause', () => {
    const err = new AuthError('refused', 'check the password', { cause: new Error('password=s3cret') });
    expect(formatError(err).text).toBe('error: refused\nhint: check the password');
  });
});

describe('error classes', () => {
  it('carry the documented exit codes and their own names', () => {
    const cases: Array<[PackError, number, string]> = [
      [new UsageError('m'), 2, 'UsageError'],
      [new UnreachableError('m'), 3, 'UnreachableError'],
      [new AuthError('m'), 4, 'AuthError'],
      [new TlsError('m'), 5, 'TlsError'],
      [new UnsupportedEngineError('m'), 6, 'UnsupportedEngineError'],
      [new RejectedObjectError('m'), 7, 'RejectedObjectError'],
      [new ContentError('m'), 8, 'ContentError'],
      [new LocalEngineError('m'), 9, 'LocalEngineError'],
    ];
    for (const [err, code, name] of cases) {
      expect([err.exitCode, err.name, err instanceof PackError, err instanceof Error]).toEqual([code, name, true, true]);
    }
  });

  it('ExitCode table', () => {
    expect(ExitCode).toEqual({ ok: 0, internal: 1, usage: 2, unreachable: 3, auth: 4, tls: 5, unsupported: 6, rejected: 7, content: 8, engine: 9 });
  });

  it('keeps the cause', () => {
    const cause = new Error('inner');
    expect(new TlsError('outer', undefined, { cause }).cause).toBe(cause);
  });
});
