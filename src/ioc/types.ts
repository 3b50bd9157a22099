/**
 * Indicators of compromise as the pack handles them: the kinds a user writes (in a CSV type
 * column, or inferred from plain text), the ECS `threat.indicator.type` each is stored as,
 * and which match list the rules read it from (see store.ts).
 */

export const KINDS = ['ip', 'cidr', 'domain', 'url', 'email', 'file', 'hash', 'subject'] as const;
export type IndicatorKind = (typeof KINDS)[number];

/** ECS threat.indicator.type per kind; a mail subject has no ECS type and is stored without one. */
export function ecsType(kind: IndicatorKind, value: string): string | undefined {
  switch (kind) {
    case 'ip':
    case 'cidr':
      return value.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
    case 'domain':
      return 'domain-name';
    case 'url':
      return 'url';
    case 'email':
      return 'email-addr';
    case 'file':
    case 'hash':
      return 'file';
    case 'subject':
      return undefined;
  }
}

/** One indicator read from a file, normalised, with where it came from. */
export interface Indicator {
  kind: IndicatorKind;
  value: string;
  /** file:line */
  where: string;
  /** STIX valid_from / a CSV column, ISO time */
  validFrom?: string;
  /** STIX valid_until / a CSV expires column, ISO time */
  validUntil?: string;
  /** a number 0-100 or an ECS level (None, Low, Medium, High) */
  confidence?: string | number;
  description?: string;
}

/** An entry that could not be read, with its place and the reason. */
export interface BadEntry {
  where: string;
  value: string;
  reason: string;
}

export interface ParseResult {
  indicators: Indicator[];
  bad: BadEntry[];
}
