/**
 * User-Agent patterns for `npm run tune`'s software proposals: User-Agents that differ only
 * in their version numbers are one piece of software, and one wildcard pattern covers them,
 * with `*` exactly where the observed versions differ:
 *
 *   Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)
 *   Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18025; Pro)
 *     -> Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.*; Pro)
 *
 * A number that is the same in every observed User-Agent stays as it is, so the pattern is
 * no wider than the data shows (malware that copies a User-Agent must still copy the exact
 * fixed parts). Patterns use the profile's wildcards (`*` any run, `?` one character) and are
 * matched against the whole User-Agent; a literal `*`, `?` or `\` in a User-Agent becomes `?`.
 */

const NUMBER = /\d+/g;

/** The User-Agent with every number replaced by `#` (the wildcard characters made `?`): UAs of one shape differ only in numbers. */
export function uaShape(ua: string): string {
  return literal(ua).replace(NUMBER, '#');
}

function literal(ua: string): string {
  return ua.replace(/[*?\\]/g, '?');
}

/** One wildcard pattern for User-Agents of one shape: each number kept where all agree, `*` where they differ; runs of `*` and separators merged. */
export function generalise(uas: readonly string[]): string {
  if (uas.length === 0) throw new Error('generalise: no User-Agent');
  const shape = uaShape(uas[0]!);
  for (const u of uas) if (uaShape(u) !== shape) throw new Error(`generalise: "${u}" is not of the shape ${shape}`);
  const numbers = uas.map((u) => literal(u).match(NUMBER) ?? []);
  let slot = 0;
  const pattern = shape.replace(/#/g, () => {
    const values = new Set(numbers.map((n) => n[slot]));
    slot++;
    return values.size === 1 ? [...values][0]! : '*';
  });
  // 16.*.* -> 16.*, *.* -> *: a run of wildcards joined by dots or underscores is one wildcard
  return pattern.replace(/\*(?:[._]\*)+/g, '*');
}

/** User-Agents grouped by shape, each group with its pattern. */
export function groupUserAgents(uas: Iterable<string>): Map<string, { pattern: string; uas: string[] }> {
  const groups = new Map<string, string[]>();
  for (const u of uas) {
    const s = uaShape(u);
    const g = groups.get(s);
    if (g) g.push(u);
    else groups.set(s, [u]);
  }
  return new Map([...groups].map(([s, list]) => [s, { pattern: generalise(list), uas: list }]));
}

/** Whether a wildcard pattern (`*`, `?`) matches the whole value, as the rules' wildcard queries do. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('')}$`, 's');
  return re.test(value);
}
