import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';
import type { IndicatorKind } from './types.js';

/**
 * One indicator value into the form the logs carry: defanged forms restored (`hxxp://`,
 * `example[.]com`, `user[@]example.com`), domains and URL hosts lower-cased (and IDNs in
 * punycode, as DNS and proxies log them), CIDRs to their network address, hashes
 * lower-cased, email domains lower-cased. Without a kind the kind is inferred.
 */

export type Normalised = { kind: IndicatorKind; value: string } | { error: string };

/** kind names (and common aliases from feeds) accepted in a CSV type column */
const ALIASES: Record<string, IndicatorKind | 'ip-or-cidr'> = {
  ip: 'ip-or-cidr', ipv4: 'ip-or-cidr', ipv6: 'ip-or-cidr', 'ipv4-addr': 'ip-or-cidr', 'ipv6-addr': 'ip-or-cidr', 'ip-dst': 'ip-or-cidr', 'ip-src': 'ip-or-cidr', address: 'ip-or-cidr',
  cidr: 'cidr', network: 'cidr', 'ip-range': 'cidr',
  domain: 'domain', 'domain-name': 'domain', hostname: 'domain', host: 'domain', fqdn: 'domain',
  url: 'url', uri: 'url', link: 'url',
  email: 'email', 'email-addr': 'email', 'email-src': 'email', sender: 'email', mail: 'email', 'e-mail': 'email',
  file: 'file', filename: 'file', 'file-name': 'file', 'file:name': 'file', attachment: 'file', attachment_name: 'file',
  hash: 'hash', md5: 'hash', sha1: 'hash', sha256: 'hash', 'sha-256': 'hash', 'sha-1': 'hash',
  subject: 'subject', 'email-subject': 'subject', mail_subject: 'subject',
};

/** The kind a type name means, or undefined when it names none. */
export function kindOfName(name: string): IndicatorKind | 'ip-or-cidr' | undefined {
  const key = name.trim().toLowerCase().replace(/\s+/g, '_');
  return ALIASES[key] ?? ALIASES[key.replace(/_/g, '-')];
}

/** Undoes the usual defanging of shared indicators. */
export function refang(raw: string): string {
  return raw
    .trim()
    .replace(/^h[x*]{2}p(s?)(?=[:[])/i, 'http$1')
    .replace(/^fxp(?=[:[])/i, 'ftp')
    .replace(/\[:\/\/\]|\[:\]\/\//g, '://')
    .replace(/\[(?:\.|dot)\]|\((?:\.|dot)\)|\{(?:\.|dot)\}/gi, '.')
    .replace(/\[(?:@|at)\]|\((?:@|at)\)|\{(?:@|at)\}/gi, '@')
    .replace(/\[:\]/g, ':');
}

const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A host name (domain) in lower case and punycode, or undefined when it is not one. */
export function normaliseDomain(raw: string): string | undefined {
  let d = raw.trim().replace(/\.$/, '');
  if (d.startsWith('*.')) d = d.slice(2);
  if (d === '' || /[\s/@:]/.test(d)) return undefined;
  const ascii = /^[\x21-\x7e]+$/.test(d) ? d.toLowerCase() : domainToASCII(d);
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => HOST_LABEL.test(l))) return undefined;
  // the top-level label is never all digits (that is an address)
  if (/^\d+$/.test(labels[labels.length - 1]!)) return undefined;
  return ascii;
}

function normaliseIp(raw: string): string | undefined {
  const v = raw.trim().replace(/^\[|\]$/g, '');
  if (ipaddr.IPv4.isValidFourPartDecimal(v)) return ipaddr.IPv4.parse(v).toString();
  if (ipaddr.IPv6.isValid(v) && v.includes(':')) return ipaddr.IPv6.parse(v).toString();
  return undefined;
}

function normaliseCidr(raw: string): string | undefined {
  const v = raw.trim();
  if (!v.includes('/')) return undefined;
  const [addr, len] = v.split('/');
  if (!addr || !len || !/^\d{1,3}$/.test(len) || !normaliseIp(addr)) return undefined;
  try {
    const [ip, bits] = ipaddr.parseCIDR(v);
    const net = ip.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(v) : ipaddr.IPv6.networkAddressFromCIDR(v);
    return `${net.toString()}/${bits}`;
  } catch {
    return undefined;
  }
}

/** The host of a URL: after the scheme and any user info, before port, path, query or fragment. */
export function urlHost(url: string): string {
  let rest = url.slice(url.indexOf('://') + 3);
  rest = rest.split(/[/?#]/)[0] ?? '';
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = rest.slice(at + 1);
  if (rest.startsWith('[')) return rest.slice(0, rest.indexOf(']') + 1);
  const colon = rest.lastIndexOf(':');
  return colon >= 0 ? rest.slice(0, colon) : rest;
}

function normaliseUrl(raw: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s]+)(\S*)$/i.exec(raw.trim());
  if (!m) return undefined;
  const authority = m[2]!;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostPort = authority.slice(at + 1);
  let host: string;
  let port: string;
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 0) return undefined;
    const ip = normaliseIp(hostPort.slice(1, end));
    if (!ip) return undefined;
    host = `[${ip}]`;
    port = hostPort.slice(end + 1);
  } else {
    const colon = hostPort.lastIndexOf(':');
    const name = colon >= 0 ? hostPort.slice(0, colon) : hostPort;
    port = colon >= 0 ? hostPort.slice(colon) : '';
    const norm = normaliseIp(name) ?? normaliseDomain(name);
    if (!norm) return undefined;
    host = norm;
  }
  if (port !== '' && !/^:\d{1,5}$/.test(port)) return undefined;
  // scheme and host in lower case, the rest as given: the proxy logs the path as requested
  return `${m[1]!.toLowerCase()}://${userinfo}${host}${port}${m[3]}`;
}

function normaliseEmail(raw: string): string | undefined {
  const v = raw.trim().replace(/^mailto:/i, '').replace(/^<|>$/g, '');
  const at = v.lastIndexOf('@');
  if (at <= 0 || /\s/.test(v)) return undefined;
  const domain = normaliseDomain(v.slice(at + 1));
  return domain ? `${v.slice(0, at)}@${domain}` : undefined;
}

function normaliseHash(raw: string): string | undefined {
  const v = raw.trim().toLowerCase();
  return /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/.test(v) ? v : undefined;
}

/** file extensions that make a dotted word a file name rather than a domain in plain text (not .com: a
 *  domain far more often; a file x.com needs a CSV type column) */
const FILE_EXTENSIONS = new Set(['exe', 'scr', 'pif', 'bat', 'cmd', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'wsh', 'hta', 'lnk', 'ps1', 'jar', 'msi', 'dll', 'cpl', 'iso', 'img', 'zip', 'rar', '7z', 'lzh', 'cab', 'gz', 'doc', 'docx', 'docm', 'xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'pdf', 'rtf', 'txt', 'html', 'htm', 'one', 'chm', 'vhd', 'vhdx', 'bin', 'dat', 'tmp', 'sys']);

function normaliseFileName(raw: string): string | undefined {
  const v = raw.trim();
  if (v === '' || /[/\\\u0000-\u001f]/.test(v)) return undefined;
  return v;
}

function looksLikeFileName(v: string): boolean {
  const dot = v.lastIndexOf('.');
  if (dot <= 0 || dot === v.length - 1) return false;
  const ext = v.slice(dot + 1).toLowerCase();
  // a name with characters no host name has (spaces, non-ASCII) and an extension is a file
  return FILE_EXTENSIONS.has(ext) || (/^[a-z0-9]{1,5}$/i.test(ext) && /[^\x21-\x7e]|\s/.test(v));
}

const WHAT: Record<IndicatorKind, string> = {
  ip: 'an IP address', cidr: 'an address range (CIDR)', domain: 'a domain name', url: 'a URL with a scheme and a host',
  email: 'an email address', file: 'a file name', hash: 'an MD5, SHA-1 or SHA-256 hash', subject: 'a mail subject',
};

/** Normalises `raw` as `kind` (or as the kind inferred from it). */
export function normalise(raw: string, kind?: IndicatorKind | 'ip-or-cidr'): Normalised {
  const v = refang(raw);
  if (v === '') return { error: 'empty value' };
  if (kind === undefined) return infer(v);
  let value: string | undefined;
  switch (kind) {
    case 'ip-or-cidr': {
      const ip = normaliseIp(v);
      if (ip) return { kind: 'ip', value: ip };
      const cidr = normaliseCidr(v);
      return cidr ? { kind: 'cidr', value: cidr } : { error: `"${v}" is not ${WHAT.ip} or ${WHAT.cidr}` };
    }
    case 'ip': {
      const ip = normaliseIp(v);
      if (ip) return { kind: 'ip', value: ip };
      const cidr = normaliseCidr(v);
      return cidr ? { kind: 'cidr', value: cidr } : { error: `"${v}" is not ${WHAT.ip}` };
    }
    case 'cidr': {
      const cidr = normaliseCidr(v);
      if (cidr) return { kind: 'cidr', value: cidr };
      const ip = normaliseIp(v);
      return ip ? { kind: 'ip', value: ip } : { error: `"${v}" is not ${WHAT.cidr}` };
    }
    case 'domain':
      value = normaliseDomain(v);
      break;
    case 'url':
      value = normaliseUrl(v);
      break;
    case 'email':
      value = normaliseEmail(v);
      break;
    case 'file':
      value = normaliseFileName(v);
      break;
    case 'hash':
      value = normaliseHash(v);
      break;
    case 'subject':
      value = v;
      break;
  }
  return value === undefined ? { error: `"${v}" is not ${WHAT[kind]}` } : { kind, value };
}

function infer(v: string): Normalised {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    const url = normaliseUrl(v);
    return url ? { kind: 'url', value: url } : { error: `"${v}" looks like a URL but has no valid host` };
  }
  const ip = normaliseIp(v);
  if (ip) return { kind: 'ip', value: ip };
  if (v.includes('/') && /^[0-9a-f:.]+\/\d+$/i.test(v)) {
    const cidr = normaliseCidr(v);
    return cidr ? { kind: 'cidr', value: cidr } : { error: `"${v}" is not a valid address range (CIDR)` };
  }
  const hash = normaliseHash(v);
  if (hash) return { kind: 'hash', value: hash };
  if (/^[^@\s]+@[^@\s]+$/.test(v)) {
    const email = normaliseEmail(v);
    return email ? { kind: 'email', value: email } : { error: `"${v}" looks like an email address but its domain is not valid` };
  }
  if (looksLikeFileName(v)) {
    const file = normaliseFileName(v);
    if (file) return { kind: 'file', value: file };
  }
  const domain = normaliseDomain(v);
  if (domain) return { kind: 'domain', value: domain };
  return { error: `cannot tell what "${v}" is (not an IP address, CIDR, domain, URL, email address, file name or hash); give its type in a CSV type column` };
}
