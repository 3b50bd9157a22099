import { BenignWeek, SOURCES } from '../../src/bench/benign-week.js';

/** The benign-week generator of the noise benchmark: deterministic, all five sources, the noise classes present. */

const lines = (o: ConstructorParameters<typeof BenignWeek>[0]) => [...new BenignWeek(o).lines()];

test('the same options give the same lines; another seed gives others', () => {
  const a = lines({ pcs: 5, days: 2 });
  expect(lines({ pcs: 5, days: 2 })).toEqual(a);
  expect(lines({ pcs: 5, days: 2, seed: 2 })).not.toEqual(a);
});

test('every source has lines, and more PCs give more lines', () => {
  const small = new BenignWeek({ pcs: 5, days: 7 }).count();
  const large = new BenignWeek({ pcs: 20, days: 7 }).count();
  for (const s of SOURCES) {
    expect({ s, n: small[s] > 0 }).toEqual({ s, n: true });
    expect({ s, more: large[s] >= small[s] }).toEqual({ s, more: true });
  }
  expect(large.squid).toBeGreaterThan(small.squid * 2);
});

test('the week holds the noise classes of issue 14', () => {
  const all = lines({ pcs: 60, days: 7 });
  const has = (source: string, re: RegExp) => all.some((l) => l.source === source && re.test(l.line));
  // software and certificate checks through the proxy, at night too (PCs left on)
  expect(has('squid', /"Microsoft-CryptoAPI\/10\.0"/)).toBe(true);
  expect(has('squid', /Windows-Update-Agent/)).toBe(true);
  expect(has('squid', /\[\d\d\/Nov\/2026:0[0-5]:/)).toBe(true);
  // the app denied going out directly, NetBIOS broadcasts denied between segments
  expect(has('netscreen', /dst zone=Untrust action=Deny .* dst_port=443/)).toBe(true);
  expect(has('netscreen', /service=netbios-ns .*src zone=LAN dst zone=SERVERS action=Deny/)).toBe(true);
  // newsletters: header From differs from the envelope sender
  expect(has('postfix', /header From: "[^"]+" <news@mail\.nikkei\.example> .* from=<bounce-/)).toBe(true);
  // the file server's logons, typos, NTLM validations that name only the workstation
  expect(has('windows', /<Data Name='WorkstationName'>FS01<\/Data><Data Name='IpAddress'>10\.20\.1\.30</)).toBe(true);
  expect(has('windows', /<EventID>4771<\/EventID>/)).toBe(true);
  expect(has('windows', /<EventID>4776<\/EventID>/)).toBe(true);
  // internal names asked of the DNS server
  expect(has('bind', /query: _ldap\._tcp\.dc\._msdcs\.midori\.example\.jp IN SRV/)).toBe(true);
});

test('no line names the documentation addresses the labelled story uses for its attacker', () => {
  for (const l of lines({ pcs: 20, days: 7 })) expect(l.line).not.toMatch(/203\.0\.113\.50|198\.51\.100\.77|apt\.example\.com/);
});
