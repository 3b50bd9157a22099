import { PackError } from '../../src/errors.js';

/** The PackError a call throws (its message, hint and exit code are what the tests look at). */
export function thrown(fn: () => unknown): PackError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PackError) return err;
    throw err;
  }
  throw new Error('expected a throw');
}
