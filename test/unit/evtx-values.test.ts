import { decodeValue, fileTimeToIso, readFileTime, readSid, EvtxFormatError } from '../../src/ingest/windows/evtx-values.js';

describe('EVTX value formatting', () => {
  test('FILETIME: 100 ns ticks since 1601 as ISO 8601 with 7 fraction digits, equal to what Date says', () => {
    const epoch = 11_644_473_600_000n; // ms from 1601 to 1970
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const samples = [0n, 1n, 9_999_999n, 116_444_736_000_000_000n, 131_124_753_911_081_039n, 2_650_467_743_999_999_999n, 9_223_372_036_854_775_807n, 18_446_744_073_709_551_615n];
    for (let i = 0; i < 2000; i++) samples.push(BigInt(Math.floor(random() * 2 ** 31)) * BigInt(Math.floor(random() * 2 ** 31)));
    for (const ticks of samples) {
      const buf = Buffer.alloc(8);
      buf.writeBigUInt64LE(ticks);
      const fast = readFileTime(buf, 0);
      expect(fast).toBe(fileTimeToIso(ticks));
      const ms = ticks / 10_000n - epoch;
      if (ms > -62_135_596_800_000n && ms < 253_402_300_800_000n) {
        // years 1..9999: Date writes them as YYYY
        const date = new Date(Number(ms)).toISOString();
        expect(fast.slice(0, 19)).toBe(date.slice(0, 19));
        expect(fast.slice(19)).toBe(`.${(ticks % 10_000_000n).toString().padStart(7, '0')}Z`);
      }
    }
    expect(fileTimeToIso(0n)).toBe('1601-01-01T00:00:00.0000000Z');
    expect(fileTimeToIso(116_444_736_000_000_000n)).toBe('1970-01-01T00:00:00.0000000Z');
  });

  test('SID: decimal authority below 2^32, hex above; size from the sub-authority count', () => {
    const sid = Buffer.from('010500000000000515000000a1b2c3d4e5f60708090a0b0ce8030000', 'hex');
    expect(readSid(sid, 0, sid.length)).toEqual({ text: `S-1-5-21-${0xd4c3b2a1}-${0x0807f6e5}-${0x0c0b0a09}-1000`, size: 28 });
    const big = Buffer.from('010112345678abcd01000000', 'hex');
    expect(readSid(big, 0, big.length).text).toBe('S-1-0x12345678ABCD-1');
    expect(() => readSid(sid, 0, 20)).toThrow(EvtxFormatError);
  });

  test('values of a wrong size are refused, not read past', () => {
    expect(() => decodeValue(0x08, Buffer.alloc(4), 0, 2)).toThrow(/needs 4/);
    expect(() => decodeValue(0x01, Buffer.alloc(4), 2, 4)).toThrow(/past the end/);
    expect(() => decodeValue(0x7f, Buffer.alloc(4), 0, 4)).toThrow(/unknown value type 0x7f/);
    expect(decodeValue(0x08, Buffer.alloc(4), 0, 0).text).toBe('');
  });
});
