import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { buildTables, normaliseCharset, OUTPUT, serialise, sjisBytes, type CharsetTables } from '../../scripts/generate-charset-tables.js';

/**
 * The charset tables the Postfix header pipeline decodes Japanese file names with
 * (pipelines/postfix/_generated/charsets.json). The lookups below are the ones the Painless
 * script makes (pipelines/postfix/header.yml, decodeBytes); every character must come out
 * as iconv-lite decodes the same bytes.
 */

const tables = JSON.parse(readFileSync(OUTPUT, 'utf8')) as CharsetTables;
const REPLACEMENT = 0xfffd;

function cell(rows: string[], pointer: number): number {
  const row = rows[Math.floor(pointer / 94)];
  const c = pointer % 94;
  return row !== undefined && c < row.length ? row.charCodeAt(c) : REPLACEMENT;
}

/** Shift_JIS lead byte and trail byte -> the script's lookup */
function sjisChar(lead: number, trail: number): number {
  return cell(tables.jis0208, (lead - (lead < 0xa0 ? 0x81 : 0xc1)) * 188 + trail - (trail < 0x7f ? 0x40 : 0x41));
}

/** ISO-2022-JP as a mailer writes it: ESC $ B two-byte JIS X 0208, ESC ( B back to ASCII */
function iso2022jp(text: string): number[] {
  const out: number[] = [];
  let jis = false;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) {
      if (jis) out.push(0x1b, 0x28, 0x42);
      jis = false;
      out.push(code);
      continue;
    }
    const euc = [...iconv.encode(ch, 'euc-jp')];
    if (euc.length !== 2 || euc[0]! < 0xa1) throw new Error(`${ch} is not in JIS X 0208`);
    if (!jis) out.push(0x1b, 0x24, 0x42);
    jis = true;
    out.push(euc[0]! & 0x7f, euc[1]! & 0x7f);
  }
  if (jis) out.push(0x1b, 0x28, 0x42);
  return out;
}

/** The script's decoder for the multi-byte charsets, enough for well-formed input */
function decode(bytes: number[], kind: 'sjis' | 'eucjp' | 'iso2022jp'): string {
  const out: number[] = [];
  let jis = false;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (kind === 'iso2022jp' && b === 0x1b) {
      jis = bytes[i + 1] === 0x24;
      i += 3;
    } else if (kind === 'iso2022jp' && jis) {
      out.push(cell(tables.jis0208, (b - 0x21) * 94 + bytes[i + 1]! - 0x21));
      i += 2;
    } else if (b < 0x80) {
      out.push(b);
      i += 1;
    } else if (kind === 'sjis' && b >= 0xa1 && b <= 0xdf) {
      out.push(0xff61 + b - 0xa1);
      i += 1;
    } else if (kind === 'sjis') {
      out.push(sjisChar(b, bytes[i + 1]!));
      i += 2;
    } else if (b === 0x8e) {
      out.push(0xff61 + bytes[i + 1]! - 0xa1);
      i += 2;
    } else if (b === 0x8f) {
      out.push(cell(tables.jis0212, (bytes[i + 1]! - 0xa1) * 94 + bytes[i + 2]! - 0xa1));
      i += 3;
    } else {
      out.push(cell(tables.jis0208, (b - 0xa1) * 94 + bytes[i + 1]! - 0xa1));
      i += 2;
    }
  }
  return String.fromCharCode(...out);
}

/** every character a table maps, spread over all rows */
function mapped(rows: string[]): string[] {
  return rows.flatMap((r) => [...r].filter((c) => c.charCodeAt(0) !== REPLACEMENT));
}

describe('generated charset tables', () => {
  it('are what the generator makes from the installed iconv-lite (run `npm run generate:charsets` if not)', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(serialise(buildTables()));
  });

  it('stay compact: 120 Shift_JIS rows, 94 at most for JIS X 0212, 128 windows-1252 bytes', () => {
    expect(tables.jis0208).toHaveLength(120);
    expect(tables.jis0212.length).toBeLessThanOrEqual(94);
    expect(tables.cp1252).toHaveLength(128);
    for (const row of [...tables.jis0208, ...tables.jis0212]) expect(row.length).toBeLessThanOrEqual(94);
    expect(Buffer.byteLength(readFileSync(OUTPUT))).toBeLessThan(64 * 1024);
  });

  it('name a decoder for every charset label the brief lists, as the script normalises labels', () => {
    const want: Record<string, string> = {
      'UTF-8': 'utf8',
      Shift_JIS: 'sjis',
      sjis: 'sjis',
      'x-sjis': 'sjis',
      'Windows-31J': 'sjis',
      CP932: 'sjis',
      'ISO-2022-JP': 'iso2022jp',
      'EUC-JP': 'eucjp',
      'ISO-8859-1': 'latin1',
      'US-ASCII': 'ascii',
      'windows-1252': 'cp1252',
      'UTF-8*ja': 'utf8',
    };
    for (const [label, kind] of Object.entries(want)) expect({ label, kind: tables.charsets[normaliseCharset(label)] }).toEqual({ label, kind });
  });
});

describe('decoding through the tables agrees with iconv-lite', () => {
  const sample = '【マル秘】顧客情報！見積書_2024年度（社外秘）①Ⅻ㈱髙﨑ｱｲｳ～∥－￢鷗纊';

  it('Shift_JIS / CP932: every two-byte code and the JPCERT example', () => {
    for (const ch of mapped(tables.jis0208)) {
      const bytes = [...iconv.encode(ch, 'shift_jis')];
      if (bytes.length !== 2) continue; // a character with two codes (NEC and IBM rows) encodes to the first
      expect({ ch, got: decode(bytes, 'sjis') }).toEqual({ ch, got: ch });
    }
    for (let pointer = 0; pointer < 120 * 94; pointer++) {
      const [lead, trail] = sjisBytes(pointer);
      const want = iconv.decode(Buffer.from([lead, trail]), 'shift_jis');
      if (want.length === 1 && want !== '\ufffd') expect({ pointer, got: String.fromCharCode(sjisChar(lead, trail)) }).toEqual({ pointer, got: want });
    }
    expect(decode([...Buffer.from('gXmDfYOLlOmBeozai3GP7pXxgUkuZXhl', 'base64')], 'sjis')).toBe('【マル秘】顧客情報！.exe');
    const s = sample.replace('鷗', '');
    expect(decode([...iconv.encode(s, 'shift_jis')], 'sjis')).toBe(iconv.decode(iconv.encode(s, 'shift_jis'), 'shift_jis'));
  });

  it('EUC-JP: JIS X 0208, half-width katakana and JIS X 0212 (three bytes)', () => {
    for (const ch of [...mapped(tables.jis0208.slice(0, 94)), ...mapped(tables.jis0212)]) {
      const bytes = [...iconv.encode(ch, 'euc-jp')];
      expect({ ch, got: decode(bytes, 'eucjp') }).toEqual({ ch, got: iconv.decode(Buffer.from(bytes), 'euc-jp') });
    }
    const bytes = [...iconv.encode(sample, 'euc-jp')];
    expect(decode(bytes, 'eucjp')).toBe(iconv.decode(Buffer.from(bytes), 'euc-jp'));
  });

  it('ISO-2022-JP: the JIS X 0208 rows that EUC-JP shares', () => {
    const text = '会議資料（社外秘）.docx 【至急】パスワード変更のお願い ①②';
    expect(decode(iso2022jp(text), 'iso2022jp')).toBe(text);
    for (let row = 0; row < 94; row++) {
      for (let c = 0; c < 94; c++) {
        const want = iconv.decode(Buffer.from([0xa1 + row, 0xa1 + c]), 'euc-jp');
        if (want.length === 1 && want !== '\ufffd') expect(cell(tables.jis0208, row * 94 + c)).toBe(want.charCodeAt(0));
      }
    }
  });

  it('windows-1252, ISO-8859-1 and US-ASCII: every byte', () => {
    for (let b = 0x80; b < 0x100; b++) {
      expect(tables.cp1252.charAt(b - 0x80)).toBe(iconv.decode(Buffer.from([b]), 'windows-1252'));
      expect(String.fromCharCode(b)).toBe(iconv.decode(Buffer.from([b]), 'latin1'));
      expect('\ufffd').toBe(iconv.decode(Buffer.from([b]), 'us-ascii'));
    }
  });
});
