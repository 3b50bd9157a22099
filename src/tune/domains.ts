/**
 * Registered domains ("the part a company buys"), for `npm run tune`'s business-domain
 * proposals: sub.www.example.co.jp -> example.co.jp, fe2cr.update.microsoft.com ->
 * microsoft.com.
 *
 * Not the whole Public Suffix List (a runtime dependency and a file to keep current): one
 * label above the top-level domain, or two where the name ends in one of the multi-label
 * public suffixes below, the ones an office in Japan (and its partners abroad) meets, and
 * any name of the form <generic>.<country> (com.xx, co.xx, ac.xx, go.xx, or.xx, ne.xx,
 * net.xx, org.xx, gov.xx, edu.xx): most country domains that sell names at the third level
 * use those. A suffix this misses makes the proposal one label too wide (example.city.xx
 * -> city.xx); the proposal's sample hosts show it, and nothing is applied unreviewed.
 */

/** Second-level public suffixes: Japan's organisational and prefectural-style ones, and the common ccTLD ones. */
export const MULTI_LABEL_SUFFIXES: ReadonlySet<string> = new Set([
  // Japan (JPRS): organisation types
  'co.jp', 'ne.jp', 'or.jp', 'ac.jp', 'go.jp', 'ad.jp', 'ed.jp', 'gr.jp', 'lg.jp',
  // United Kingdom, Australia, New Zealand, Korea, China, Taiwan, Hong Kong, Singapore, India, Brazil, South Africa
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'ltd.uk', 'plc.uk', 'me.uk',
  'com.au', 'net.au', 'org.au', 'edu.au', 'gov.au',
  'co.nz', 'org.nz', 'govt.nz',
  'co.kr', 'or.kr', 'ne.kr', 'go.kr', 'ac.kr',
  'com.cn', 'net.cn', 'org.cn', 'gov.cn', 'edu.cn',
  'com.tw', 'org.tw', 'gov.tw', 'edu.tw',
  'com.hk', 'org.hk', 'gov.hk', 'edu.hk',
  'com.sg', 'gov.sg', 'edu.sg',
  'co.in', 'gov.in', 'ac.in',
  'com.br', 'gov.br',
  'co.za', 'gov.za',
]);

const GENERIC_SECOND_LEVEL = /^(com|co|ac|go|or|ne|net|org|gov|edu)\.[a-z]{2}$/;

/** A two-label public suffix: listed above, or <generic>.<two-letter country>. */
export function isMultiLabelSuffix(twoLabels: string): boolean {
  return MULTI_LABEL_SUFFIXES.has(twoLabels) || GENERIC_SECOND_LEVEL.test(twoLabels);
}

/** A name (url.domain) lower-cased, without a trailing dot; undefined for an address or an empty name. */
function cleanName(host: string): string | undefined {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  if (!h || h.includes(':') || /^\d+(\.\d+){3}$/.test(h) || h.startsWith('[')) return undefined;
  return h;
}

/** The registered domain of a host name; undefined for an IP address. A single label is returned as it is. */
export function registeredDomain(host: string): string | undefined {
  const h = cleanName(host);
  if (!h) return undefined;
  const labels = h.split('.').filter(Boolean);
  if (labels.length <= 2) return labels.join('.');
  const last2 = labels.slice(-2).join('.');
  const take = isMultiLabelSuffix(last2) ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** A registered domain worth proposing: at least two labels and not a public suffix itself. */
export function isProposable(domain: string): boolean {
  const labels = domain.split('.');
  return labels.length >= 2 && !isMultiLabelSuffix(domain) && registeredDomain(domain) === domain;
}

/** Whether `host` is `domain` or one of its subdomains (the way the rules' domain_any matches). */
export function coveredBy(host: string, domain: string): boolean {
  const h = host.toLowerCase();
  const d = domain.toLowerCase().replace(/^\*\./, '');
  return h === d || h.endsWith(`.${d}`);
}

/** Whether a domain and an indicator's domain overlap: either is the other or lies under it. */
export function overlaps(a: string, b: string): boolean {
  return coveredBy(a, b) || coveredBy(b, a);
}
