import type { Connection } from '../cluster/connection.js';
import { UsageError } from '../errors.js';
import type { HuntResult } from './findings.js';

/**
 * STUB, only on the `report` branch: the hunt engine (runHunt) is written on the `hunt`
 * branch, with this signature. When both are merged, the hunt branch's file replaces this one.
 */
export interface HuntOptions {
  from?: string;
  to?: string;
  rules?: string[];
  ioc?: boolean;
  profile?: string;
  namespace?: string;
}

export async function runHunt(_conn: Connection, _options: HuntOptions = {}): Promise<HuntResult> {
  throw new UsageError('the hunt engine is not in this version (src/hunt/hunt.ts is a stub on the report branch)');
}
