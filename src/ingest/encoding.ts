import chardet from 'chardet';
import iconv from 'iconv-lite';
import { UsageError } from '../errors.js';

/**
 * Character encodings of archived logs: UTF-8 (and its ASCII subset) nearly everywhere, and in
 * Japan Shift_JIS (CP932, as Windows writes it) and EUC-JP from older Unix systems. Lines are
 * decoded one by one after splitting on LF bytes. Bytes that are not valid in the encoding are
 * kept visibly: in UTF-8 as `\xNN` (the byte's value, so nothing is lost), in the others as
 * iconv-lite's replacement character.
 */

export const ENCODINGS = ['utf-8', 'shift_jis', 'euc-jp'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** The encoding named by --encoding, in the spellings people use. */
export function parseEncoding(value: string): Encoding | 'auto' {
  const v = value.toLowerCase().replace(/[_-]/g, '');
  if (v === 'auto') return 'auto';
  if (v === 'utf8' || v === 'ascii') return 'utf-8';
  if (v === 'shiftjis' || v === 'sjis' || v === 'cp932' || v === 'windows31j' || v === 'ms932') return 'shift_jis';
  if (v === 'eucjp') return 'euc-jp';
  throw new UsageError(`--encoding ${value} is not one this loader reads`, 'use auto, utf-8, shift_jis (cp932) or euc-jp');
}

/**
 * The encoding of a sample of an input: UTF-8 when the sample is valid UTF-8 (ASCII included),
 * else what chardet finds among the Japanese encodings, else UTF-8 (bad bytes then show as \xNN).
 */
export function detectEncoding(sample: Buffer): Encoding {
  if (isUtf8(sample)) return 'utf-8';
  const guesses = chardet.analyse(sample);
  for (const g of guesses) {
    const name = g.name.toLowerCase();
    if (name === 'shift_jis' || name === 'shift-jis') return 'shift_jis';
    if (name === 'euc-jp') return 'euc-jp';
  }
  return 'utf-8';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** valid UTF-8, allowing a multi-byte character cut at the end of the sample */
function isUtf8(sample: Buffer): boolean {
  for (let cut = 0; cut < 4 && cut <= sample.length; cut++) {
    try {
      strictUtf8.decode(sample.subarray(0, sample.length - cut));
      return true;
    } catch {
      // a character cut at the end of the sample: try without its first bytes
    }
  }
  return false;
}

/** UTF-8 with every byte that is not part of a valid character written as \xNN */
function decodeUtf8Visibly(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= bytes.length) {
      try {
        out += strictUtf8.decode(bytes.subarray(i, i + len));
        i += len;
        continue;
      } catch {
        // not a valid sequence: the lead byte is shown as \xNN
      }
    }
    out += `\\x${b.toString(16).padStart(2, '0')}`;
    i++;
  }
  return out;
}

export function decodeLine(bytes: Buffer, encoding: Encoding): string {
  if (encoding === 'utf-8') {
    try {
      return strictUtf8.decode(bytes);
    } catch {
      return decodeUtf8Visibly(bytes);
    }
  }
  return iconv.decode(bytes, encoding === 'shift_jis' ? 'cp932' : 'euc-jp');
}
