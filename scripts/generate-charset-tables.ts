/**
 * Writes pipelines/postfix/_generated/charsets.json: the decode tables the Postfix header
 * pipeline needs for Japanese charsets, which Painless cannot decode by itself.
 *
 *   npm run generate:charsets
 *
 * The tables come from iconv-lite (a development dependency, used only here and in the
 * unit test). The file is committed; the pipeline pulls it into its decoding script's
 * params with `params: !include _generated/charsets.json`.
 *
 * Layout (see pipelines/postfix/_dev/README.md):
 * - `charsets`: normalised charset name (lower case, letters and digits only) -> decoder
 *   kind: utf8, latin1, ascii, cp1252, sjis, eucjp, iso2022jp.
 * - `jis0208`: the JIS X 0208 index as Shift_JIS (CP932) lays it out: row r (0-based) holds
 *   the characters of pointers r*94 .. r*94+93, one UTF-16 code unit each, U+FFFD where
 *   nothing is mapped, trailing U+FFFD dropped. Rows 0-93 are the 94 JIS rows that EUC-JP
 *   and ISO-2022-JP use too; rows 94-119 are the CP932 extensions only Shift_JIS reaches.
 *   Shift_JIS pointer = (lead - (lead < 0xA0 ? 0x81 : 0xC1)) * 188 + trail - (trail < 0x7F ? 0x40 : 0x41).
 * - `jis0212`: JIS X 0212 rows for EUC-JP's 0x8F three-byte sequences, same shape.
 * - `cp1252`: the characters of bytes 0x80-0xFF in windows-1252.
 * Everything else (ASCII, half-width katakana, ISO-8859-1, UTF-8) is arithmetic in the
 * script; this generator checks that iconv-lite agrees with that arithmetic.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import iconv from 'iconv-lite';

export const OUTPUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'pipelines', 'postfix', '_generated', 'charsets.json');

const REPLACEMENT = '\ufffd';

export type DecoderKind = 'utf8' | 'latin1' | 'ascii' | 'cp1252' | 'sjis' | 'eucjp' | 'iso2022jp';

/**
 * Charset names seen in mail, by decoder. Names iconv-lite knows are checked against it; the
 * others (which iconv-lite lacks) are listed in NOT_IN_ICONV.
 */
const ALIASES: Record<DecoderKind, string[]> = {
  utf8: ['utf-8', 'utf8', 'unicode-1-1-utf-8'],
  latin1: ['iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'l1', 'cp819', 'ibm819', 'iso-ir-100', 'csisolatin1'],
  ascii: ['us-ascii', 'ascii', 'ansi_x3.4-1968', 'iso646-us', 'csascii'],
  cp1252: ['windows-1252', 'cp1252', 'x-cp1252'],
  sjis: ['shift_jis', 'shift-jis', 'sjis', 'x-sjis', 'windows-31j', 'cp932', 'ms932', 'windows-932', 'ms_kanji', 'mskanji', 'csshiftjis', 'ms31j', 'x-ms-cp932'],
  eucjp: ['euc-jp', 'eucjp', 'x-euc-jp', 'cseucpkdfmtjapanese'],
  iso2022jp: ['iso-2022-jp', 'iso2022jp', 'csiso2022jp', 'iso-2022-jp-1', 'iso-2022-jp-2', 'iso-2022-jp-ms', 'cp50220', 'cp50221', 'cp50222'],
};
const NOT_IN_ICONV = new Set(['xcp1252', 'xmscp932', 'xeucjp', 'cseucpkdfmtjapanese', 'isoir100', 'csisolatin1', 'iso646us', 'csascii']);
const ICONV_NAME: Record<Exclude<DecoderKind, 'iso2022jp'>, string> = {
  utf8: 'utf8',
  latin1: 'latin1',
  ascii: 'ascii',
  cp1252: 'windows1252',
  sjis: 'shiftjis',
  eucjp: 'eucjp',
};

/** How the pipeline script normalises a charset label before the lookup. */
export function normaliseCharset(label: string): string {
  return label.toLowerCase().replace(/\*.*$/, '').replace(/[^a-z0-9]/g, '');
}

export interface CharsetTables {
  about: string;
  charsets: Record<string, DecoderKind>;
  jis0208: string[];
  jis0212: string[];
  cp1252: string;
}

function fail(message: string): never {
  throw new Error(`generate-charset-tables: ${message}`);
}

/** One decoded character, or U+FFFD when iconv-lite maps the bytes to nothing (or to more than one code unit). */
function decodeOne(bytes: number[], charset: string): string {
  const s = iconv.decode(Buffer.from(bytes), charset);
  return s.length === 1 ? s : REPLACEMENT;
}

function trimRow(chars: string[]): string {
  let end = chars.length;
  while (end > 0 && chars[end - 1] === REPLACEMENT) end--;
  return chars.slice(0, end).join('');
}

export function sjisBytes(pointer: number): [number, number] {
  const lead = Math.floor(pointer / 188);
  const trail = pointer % 188;
  return [lead < 0x1f ? lead + 0x81 : lead + 0xc1, trail < 0x3f ? trail + 0x40 : trail + 0x41];
}

function aliases(): Record<string, DecoderKind> {
  const out: Record<string, DecoderKind> = {};
  for (const [kind, labels] of Object.entries(ALIASES) as Array<[DecoderKind, string[]]>) {
    for (const label of labels) {
      const key = normaliseCharset(label);
      if (out[key] && out[key] !== kind) fail(`alias ${label} is listed for ${out[key]} and ${kind}`);
      out[key] = kind;
      if (kind === 'iso2022jp' || NOT_IN_ICONV.has(key)) continue;
      if (!iconv.encodingExists(key)) fail(`iconv-lite does not know ${label}; list it in NOT_IN_ICONV if that is expected`);
      const probe = kind === 'sjis' || kind === 'eucjp' ? [0x41, 0xa4, 0xa2, 0x82, 0xa0] : [0x41, 0x80, 0xe9, 0xff];
      if (iconv.decode(Buffer.from(probe), key) !== iconv.decode(Buffer.from(probe), ICONV_NAME[kind])) fail(`iconv-lite decodes ${label} unlike ${ICONV_NAME[kind]}`);
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The arithmetic the script uses for single bytes must be what iconv-lite does. */
function checkArithmetic(): void {
  for (let b = 0; b < 0x100; b++) {
    const latin1 = iconv.decode(Buffer.from([b]), 'latin1');
    if (latin1 !== String.fromCharCode(b)) fail(`latin1 byte ${b.toString(16)} is not U+00${b.toString(16)}`);
    const ascii = iconv.decode(Buffer.from([b]), 'ascii');
    if (ascii !== (b < 0x80 ? String.fromCharCode(b) : REPLACEMENT)) fail(`ascii byte ${b.toString(16)} decodes to ${JSON.stringify(ascii)}`);
    if (b < 0x80 || (b >= 0xa1 && b <= 0xdf)) {
      const want = b < 0x80 ? String.fromCharCode(b) : String.fromCharCode(0xff61 + b - 0xa1);
      if (iconv.decode(Buffer.from([b]), 'shiftjis') !== want) fail(`Shift_JIS single byte ${b.toString(16)} is not ${JSON.stringify(want)}`);
    }
    if (b < 0x80 && iconv.decode(Buffer.from([b]), 'eucjp') !== String.fromCharCode(b)) fail(`EUC-JP byte ${b.toString(16)} is not ASCII`);
    if (b >= 0xa1 && b <= 0xdf && iconv.decode(Buffer.from([0x8e, b]), 'eucjp') !== String.fromCharCode(0xff61 + b - 0xa1)) fail(`EUC-JP 8E ${b.toString(16)} is not half-width katakana`);
  }
}

export function buildTables(): CharsetTables {
  checkArithmetic();
  const version = (createRequire(import.meta.url)('iconv-lite/package.json') as { version: string }).version;

  // Shift_JIS: lead bytes 0x81-0x9F and 0xE0-0xFC, 188 trail bytes each = 120 rows of 94
  const jis0208: string[] = [];
  for (let row = 0; row < 120; row++) {
    const chars: string[] = [];
    for (let cell = 0; cell < 94; cell++) chars.push(decodeOne(sjisBytes(row * 94 + cell), 'shiftjis'));
    jis0208.push(trimRow(chars));
  }
  // EUC-JP and ISO-2022-JP reach rows 0-93 of the same index: they must agree with it
  for (let row = 0; row < 94; row++) {
    for (let cell = 0; cell < 94; cell++) {
      const euc = decodeOne([0xa1 + row, 0xa1 + cell], 'eucjp');
      const sjis = jis0208[row]!.charAt(cell) || REPLACEMENT;
      if (euc !== sjis) fail(`EUC-JP row ${row + 1} cell ${cell + 1} is ${JSON.stringify(euc)}, Shift_JIS has ${JSON.stringify(sjis)}: the tables need splitting`);
    }
  }
  const jis0212: string[] = [];
  for (let row = 0; row < 94; row++) {
    const chars: string[] = [];
    for (let cell = 0; cell < 94; cell++) chars.push(decodeOne([0x8f, 0xa1 + row, 0xa1 + cell], 'eucjp'));
    jis0212.push(trimRow(chars));
  }
  while (jis0212.length > 0 && jis0212[jis0212.length - 1] === '') jis0212.pop();
  let cp1252 = '';
  for (let b = 0x80; b < 0x100; b++) cp1252 += decodeOne([b], 'windows1252');
  for (const s of [...jis0208, ...jis0212, cp1252]) {
    for (const ch of s) if (ch.length !== 1) fail(`a table character outside the BMP: ${JSON.stringify(ch)}`);
  }
  return {
    about: `Generated by scripts/generate-charset-tables.ts (npm run generate:charsets) from iconv-lite ${version}. Do not edit.`,
    charsets: aliases(),
    jis0208,
    jis0212,
    cp1252,
  };
}

/** One row per line, so that a regenerated table gives a readable diff. */
export function serialise(t: CharsetTables): string {
  const rows = (a: string[]) => `[\n${a.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]`;
  return `{\n  "about": ${JSON.stringify(t.about)},\n  "charsets": ${JSON.stringify(t.charsets)},\n  "cp1252": ${JSON.stringify(t.cp1252)},\n  "jis0208": ${rows(t.jis0208)},\n  "jis0212": ${rows(t.jis0212)}\n}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = serialise(buildTables());
  mkdirSync(path.dirname(OUTPUT), { recursive: true });
  writeFileSync(OUTPUT, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), OUTPUT)} (${Buffer.byteLength(text)} bytes)\n`);
}
