/**
 * A benign week of an ordinary office, written for this project: raw log lines of the five
 * sources in the forms the pipelines accept (Postfix cleanup header warnings, ScreenOS traffic
 * logs with an RFC 3339 syslog stamp, Squid combined lines, BIND query log lines, Windows
 * Security events as XML), for the noise benchmark (`npm run bench -- noise`). Nothing in it
 * is an attack: every alert the pack raises on it is a false alarm.
 *
 * Pure and deterministic: the same options give the same lines (a seeded generator, no clock).
 * The organisation is the one of test/scenarios/benign-profile.yml: 株式会社みどり商事,
 * midori.example.jp, PCs in 10.20.10.0/23 (zone LAN), servers in 10.20.1.0/24 (zone SERVERS),
 * the proxy 10.20.1.10, Asia/Tokyo (+09:00, no daylight saving).
 *
 * The noise classes (issue 14, and others an office has):
 *   - people browsing with Chrome and Edge in office hours, through the proxy;
 *   - Office, Teams, Zoom and the anti-virus talking to their clouds (their own User-Agents);
 *   - Windows Update, Delivery Optimization and certificate checks (OCSP/CRL) from every PC
 *     every day it is on;
 *   - PCs left on overnight and over the weekend (a fifth of them), still calling those clouds;
 *   - a few PCs with an app that tries the internet directly and is denied by the firewall;
 *   - NetBIOS name-service broadcasts denied between the segments;
 *   - a nightly backup of the file server by the backup server (svc-backup);
 *   - newsletters sent through mail services: header From is the brand, the envelope sender
 *     the service's bounce address; ordinary mail with a PDF or Excel attachment;
 *   - admins working from the admin PC (their logons, RDP to the servers);
 *   - a file server authenticating hundreds of users an hour in office hours;
 *   - domain logons: TGTs (4768), service tickets (4769), network logons and logoffs
 *     (4624/4634) and NTLM validations (4776) of users and machine accounts, password typos
 *     (4771, 4776 failures), the DC's own local logons;
 *   - DNS: PCs asking for internal names (DC SRV records, the file server, WPAD), the proxy
 *     resolving the sites it fetches;
 *   - video meetings whose media goes directly to the internet (allowed, large).
 */

import { seededRandom as rng } from '../random.js';

export const SOURCES = ['postfix', 'netscreen', 'squid', 'bind', 'windows'] as const;
export type Source = (typeof SOURCES)[number];

export interface BenignWeekOptions {
  /** number of PCs (default 200) */
  pcs?: number;
  /** the first day, a local date YYYY-MM-DD (default 2026-11-09, a Monday without holidays) */
  start?: string;
  /** days (default 7) */
  days?: number;
  /** seed of the generator (default 1) */
  seed?: number;
  /**
   * the proxy's log format: `combined` (default: the JPCERT/CC guide's, with the User-Agent)
   * or `native-up`, Squid's native format with the client's bytes (%>st) appended, which G2
   * needs to count uploads through the proxy (no User-Agent, so PROXY-3 sees nothing)
   */
  squidFormat?: 'combined' | 'native-up';
}

export interface BenignLine {
  source: Source;
  line: string;
}

const OFFSET_MS = 9 * 3_600_000; // Asia/Tokyo
const DOMAIN = 'midori.example.jp';
const REALM = DOMAIN.toUpperCase();
const NETBIOS = 'MIDORI';
const PROXY = '10.20.1.10';
const DC = { ip: '10.20.1.20', name: 'DC01' };
const FS = { ip: '10.20.1.30', name: 'FS01' };
const BACKUP = { ip: '10.20.1.40', name: 'BACKUP-SV01' };
const MGMT = { ip: '10.20.1.5', name: 'MGMT-SV01' };
const DNS_SERVER = '10.20.1.53';
const PRINT = { ip: '10.20.1.60', name: 'PRN-SV01' };
const ADMIN_PC = { ip: '10.20.10.5', name: 'ADMIN-PC01', user: 'adm-kato' };
const SERVERS = [DC, FS, BACKUP, MGMT, PRINT, { ip: '10.20.1.70', name: 'APP-SV01' }, { ip: '10.20.1.71', name: 'DB-SV01' }];
const SID = 'S-1-5-21-3418820513-2288110945-1934172211';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const EDGE = `${CHROME} Edg/131.0.0.0`;

/** sites people browse (weights by position: earlier ones more often) */
const SITES = [
  `www.${DOMAIN}`, `portal.${DOMAIN}`, 'www.google.com', 'www.google.co.jp', 'www.yahoo.co.jp', 'news.yahoo.co.jp', 'www.bing.com',
  'login.microsoftonline.com', 'outlook.office.com', 'www.office.com', 'midori.sharepoint.com', 'www.youtube.com', 'www.nikkei.com',
  'www3.nhk.or.jp', 'www.asahi.com', 'www.amazon.co.jp', 'www.rakuten.co.jp', 'ja.wikipedia.org', 'github.com', 'stackoverflow.com',
  'www.jma.go.jp', 'www.e-gov.go.jp', 'www.nta.go.jp', 'www.mhlw.go.jp', 'www.jal.co.jp', 'www.ana.co.jp', 'www.jreast.co.jp',
  'transit.yahoo.co.jp', 'maps.google.com', 'www.mapion.co.jp', 'www.freee.co.jp', 'www.moneyforward.com', 'www.cybozu.com',
  'www.docomo.ne.jp', 'www.monotaro.com', 'www.askul.co.jp', 'www.sompo-japan.co.jp', 'www.mufg.jp', 'www.smbc.co.jp',
  'www.ipa.go.jp', 'www.jpcert.or.jp', 'www.itmedia.co.jp', 'xtech.nikkei.com', 'www.impress.co.jp', 'www.zdnet.com',
  'www.linkedin.com', 'x.com', 'www.facebook.com', 'www.instagram.com', 'note.com', 'qiita.com', 'zenn.dev', 'www.slideshare.net',
  'translate.google.co.jp', 'www.deepl.com', 'www.weblio.jp', 'kakaku.com', 'tabelog.com', 'www.hotpepper.jp', 'www.jalan.net',
];
/** what a page pulls in besides itself */
const ASSETS = ['fonts.gstatic.com', 'www.gstatic.com', 'ajax.googleapis.com', 'cdn.jsdelivr.net', 'cdnjs.cloudflare.com', 'www.googletagmanager.com', 'static.xx.fbcdn.net', 'i.ytimg.com', 'pagead2.googlesyndication.com', 's.yimg.jp'];

interface Software {
  ua: string;
  /** requests: [method, host, path] (CONNECT when path is undefined) */
  calls: Array<[string, string, string?]>;
  /** calls per day a PC makes while it is on */
  perDay: number;
}
/** the software every PC runs, and what it calls */
const SOFTWARE: Software[] = [
  { ua: 'Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.91', perDay: 6, calls: [['CONNECT', 'fe2cr.update.microsoft.com'], ['CONNECT', 'sls.update.microsoft.com'], ['GET', 'ctldl.windowsupdate.com', '/msdownload/update/v3/static/trustedr/en/authrootstl.cab'], ['GET', 'download.windowsupdate.com', '/c/msdownload/update/software/defu/2026/11/am_delta.exe']] },
  { ua: 'Microsoft-Delivery-Optimization/10.0', perDay: 4, calls: [['GET', '7.tlu.dl.delivery.mp.microsoft.com', '/filestreamingservice/files/0e1b7c3a-2f1d-4a6e-9c0b-5f8e2d3a4b6c'], ['CONNECT', 'geo.prod.do.dsp.mp.microsoft.com'], ['CONNECT', 'kv601.prod.do.dsp.mp.microsoft.com']] },
  { ua: 'Microsoft-CryptoAPI/10.0', perDay: 8, calls: [['GET', 'ocsp.digicert.com', '/MFEwTzBNMEswSTAJBgUrDgMCGgUABBQ'], ['GET', 'crl.microsoft.com', '/pki/crl/products/MicRooCerAut2011_2011_03_22.crl'], ['GET', 'oneocsp.microsoft.com', '/ocsp'], ['GET', 'r10.o.lencr.org', '/MFMwUTBPME0wSzAJBgUrDgMCGgUABBR'], ['GET', 'ocsp.globalsign.com', '/gsrsaovsslca2018'], ['GET', 'crl3.digicert.com', '/DigiCertGlobalRootG2.crl']] },
  { ua: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)', perDay: 10, calls: [['CONNECT', 'outlook.office365.com'], ['CONNECT', 'officeclient.microsoft.com'], ['CONNECT', 'nexus.officeapps.live.com'], ['CONNECT', 'ecs.office.com']] },
  { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Teams/24295.605.3225.8804/49', perDay: 8, calls: [['CONNECT', 'teams.microsoft.com'], ['CONNECT', 'presence.teams.microsoft.com'], ['CONNECT', 'trouter.teams.microsoft.com']] },
  { ua: 'Microsoft SkyDriveSync 24.201.1006.0005 ship; Windows NT 10.0 (22631)', perDay: 4, calls: [['CONNECT', 'midori-my.sharepoint.com'], ['CONNECT', 'g.live.com']] },
  { ua: 'ApexOne/14.0.12932 (Windows NT 10.0)', perDay: 5, calls: [['GET', 'iaus.activeupdate.trendmicro.com', '/activeupdate/server.ini'], ['CONNECT', 'ds.trendmicro.com'], ['GET', 'iaus.activeupdate.trendmicro.com', '/activeupdate/pattern/lpt$vpn.zip']] },
  { ua: 'Microsoft NCSI', perDay: 2, calls: [['GET', 'www.msftconnecttest.com', '/connecttest.txt']] },
];
/** Zoom, installed on a third of the PCs */
const ZOOM: Software = { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 ZoomWebKit/537.36 (KHTML, like Gecko) ZoomApps/1.0', perDay: 3, calls: [['CONNECT', 'zoom.us'], ['CONNECT', 'us04web.zoom.us']] };

const NEWSLETTERS: Array<{ from: string; name: string; bounce: string; relay: string; ip: string }> = [
  { from: 'news@mail.nikkei.example', name: '日経電子版', bounce: 'bounce-8d1c2@em.mailsvc.example', relay: 'mta21.mailsvc.example', ip: '192.0.2.21' },
  { from: 'info@shop.askul.example', name: 'ASKUL', bounce: 'b.5f0a11.askul@bnc.sendgrid.example', relay: 'o1.sendgrid.example', ip: '198.51.100.31' },
  { from: 'newsletter@itmedia.example', name: 'ITmedia NEWS', bounce: 'prvs=0a1b2c=itm@bounce.cuenote.example', relay: 'mx2.cuenote.example', ip: '203.0.113.12' },
  { from: 'event@techconf.example', name: 'Tech Conference 2026', bounce: 'msprvs1=19x7k=bounces-123@mktomail.example', relay: 'mail.mktomail.example', ip: '198.51.100.44' },
  { from: 'no-reply@seminar.example', name: 'セミナー事務局', bounce: 'return-7712@mailchimp.example', relay: 'mail41.mcsv.example', ip: '192.0.2.141' },
];
const PARTNERS = ['torihiki.example.ne.jp', 'kyoryoku.example.co.jp', 'unyu.example.jp', 'bank.example.jp'];

const SURNAMES = ['sato', 'suzuki', 'takahashi', 'tanaka', 'ito', 'watanabe', 'yamamoto', 'nakamura', 'kobayashi', 'kato', 'yoshida', 'yamada', 'sasaki', 'yamaguchi', 'matsumoto', 'inoue', 'kimura', 'hayashi', 'shimizu', 'yamazaki', 'mori', 'abe', 'ikeda', 'hashimoto', 'yamashita', 'ishikawa', 'nakajima', 'maeda', 'fujita', 'ogawa'];
const GIVEN = ['hiroshi', 'yuki', 'takashi', 'akiko', 'kenji', 'naoko', 'daisuke', 'mai', 'shota', 'emi', 'ryo', 'kana', 'taro', 'haruka', 'makoto', 'ayumi', 'satoshi', 'megumi', 'koji', 'yui'];


interface Pc {
  i: number;
  name: string;
  ip: string;
  user: string;
  sid: string;
  browser: string;
  /** left on overnight and at weekends */
  alwaysOn: boolean;
  zoom: boolean;
  /** an app that ignores the proxy and is denied */
  directApp: boolean;
  /** arrival and leaving, minutes after local midnight */
  arrive: number;
  leave: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** the local (+09:00) wall-clock parts of an instant */
function local(ms: number) {
  const d = new Date(ms + OFFSET_MS);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), ms: d.getUTCMilliseconds(), dow: d.getUTCDay() };
}

function squidTime(ms: number): string {
  const t = local(ms);
  return `${pad(t.d)}/${MONTHS[t.mo]}/${t.y}:${pad(t.h)}:${pad(t.mi)}:${pad(t.s)} +0900`;
}
function rfc3339(ms: number): string {
  const t = local(ms);
  return `${t.y}-${pad(t.mo + 1)}-${pad(t.d)}T${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}.${pad(t.ms, 3)}000+09:00`;
}
function localStamp(ms: number): string {
  const t = local(ms);
  return `${t.y}-${pad(t.mo + 1)}-${pad(t.d)} ${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}`;
}
function bindTime(ms: number): string {
  const t = local(ms);
  return `${pad(t.d)}-${MONTHS[t.mo]}-${t.y} ${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}.${pad(t.ms, 3)}`;
}
function syslogTime(ms: number): string {
  const t = local(ms);
  return `${MONTHS[t.mo]} ${String(t.d).padStart(2, ' ')} ${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}`;
}

export class BenignWeek {
  readonly pcs: Pc[];
  private readonly r: () => number;
  private readonly startMs: number;
  private readonly days: number;
  private session = 100_000;
  private record = 50_000_000;
  private queue = 0;
  private readonly squidFormat: 'combined' | 'native-up';

  constructor(o: BenignWeekOptions = {}) {
    const n = o.pcs ?? 200;
    this.r = rng(o.seed ?? 1);
    this.days = o.days ?? 7;
    this.squidFormat = o.squidFormat ?? 'combined';
    const start = o.start ?? '2026-11-09';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) throw new Error(`start must be YYYY-MM-DD, got ${start}`);
    this.startMs = Date.parse(`${start}T00:00:00Z`) - OFFSET_MS;
    this.pcs = [];
    for (let i = 0; i < n; i++) {
      const isAdmin = i === 0;
      const host = 11 + i; // 10.20.10.11 ... then 10.20.11.x
      const ip = isAdmin ? ADMIN_PC.ip : `10.20.${10 + Math.floor(host / 250)}.${(host % 250) + 1}`;
      const user = isAdmin ? ADMIN_PC.user : `${SURNAMES[i % SURNAMES.length]}.${GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]}${i >= SURNAMES.length * GIVEN.length ? i : ''}`;
      this.pcs.push({
        i,
        name: isAdmin ? ADMIN_PC.name : `PC-${pad(i + 1, 4)}`,
        ip,
        user,
        sid: `${SID}-${2000 + i}`,
        browser: this.r() < 0.6 ? CHROME : EDGE,
        alwaysOn: i % 5 === 2,
        zoom: i % 3 === 0,
        directApp: i % 50 === 7,
        arrive: 8 * 60 + Math.floor(this.r() * 90),
        leave: 17 * 60 + 30 + Math.floor(this.r() * 150),
      });
    }
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.r() * list.length)]!;
  }
  /** a skewed pick: the first entries far more often (a Zipf-like popularity) */
  private popular<T>(list: readonly T[]): T {
    return list[Math.floor(list.length * Math.pow(this.r(), 2.2))]!;
  }
  private between(a: number, b: number): number {
    return a + Math.floor(this.r() * (b - a));
  }

  /** all the lines, day by day (each day's lines of one source together, not sorted by time) */
  *lines(): Generator<BenignLine> {
    for (let day = 0; day < this.days; day++) yield* this.day(day);
  }

  /** how many lines of each source: generates them all once */
  count(): Record<Source, number> {
    const c = Object.fromEntries(SOURCES.map((s) => [s, 0])) as Record<Source, number>;
    for (const l of this.lines()) c[l.source]++;
    return c;
  }

  private *day(day: number): Generator<BenignLine> {
    const midnight = this.startMs + day * 86_400_000;
    const dow = local(midnight).dow; // 0 = Sunday
    const workday = dow >= 1 && dow <= 5;
    const out: BenignLine[] = [];
    for (const pc of this.pcs) {
      const present = workday && this.r() > 0.05; // 5% away (leave, travel)
      // when the PC is on: office hours when someone is there, all day when left on
      const spans: Array<[number, number]> = [];
      if (pc.alwaysOn) spans.push([0, 24 * 60]);
      else if (present) spans.push([pc.arrive - 10, pc.leave + 5]);
      if (spans.length === 0) continue;
      const on = spans[0]!;
      const at = (from: number, to: number) => midnight + (from + this.r() * (to - from)) * 60_000;
      const work: [number, number] = [pc.arrive, pc.leave];
      // the machine's own domain logon at boot (or just after midnight when it stays on)
      this.machineLogon(out, pc, at(on[0], on[0] + 5));
      if (present) this.userDay(out, pc, midnight, work);
      this.softwareDay(out, pc, midnight, on, present ? work : undefined);
      // NetBIOS name-service broadcasts toward the server segment, denied
      const broadcasts = this.between(1, 4);
      for (let b = 0; b < broadcasts; b++) this.fwDeny(out, at(on[0], on[1]), pc.ip, '10.20.1.255', 137, 'udp', 17, 'LAN', 'SERVERS', 'netbios-ns', 41);
      // the app that ignores the proxy: every 30 minutes while the PC is on, denied
      if (pc.directApp) {
        for (let m = on[0] + 7; m < on[1]; m += 30) this.fwDeny(out, midnight + m * 60_000 + this.r() * 60_000, pc.ip, '52.178.17.3', 443, 'tcp', 6, 'LAN', 'Untrust', 'https', 36);
      }
      // internal DNS: the DC's SRV records, the file server, WPAD
      const queries = this.between(25, 45) * (present ? 1 : 0.3);
      for (let q = 0; q < queries; q++) {
        const name = this.pick([`_ldap._tcp.dc._msdcs.${DOMAIN}`, `dc01.${DOMAIN}`, `fs01.${DOMAIN}`, `wpad.${DOMAIN}`, `proxy.${DOMAIN}`, `prn-sv01.${DOMAIN}`, `_kerberos._tcp.${DOMAIN}`]);
        const type = name.startsWith('_') ? 'SRV' : this.r() < 0.8 ? 'A' : 'AAAA';
        this.dns(out, at(on[0], on[1]), pc.ip, name, type);
      }
    }
    this.servers(out, midnight, workday, dow);
    if (workday) this.mail(out, midnight);
    yield* out;
  }

  // ---------------------------------------------------------------- Windows (the DC's Security log)

  private xml(ms: number, id: number, task: number, failure: boolean, data: Array<[string, string]>): string {
    const created = new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_m, f: string) => `.${f}0000Z`);
    const kw = failure ? '0x8010000000000000' : '0x8020000000000000';
    const fields = data.map(([k, v]) => `<Data Name='${k}'>${v}</Data>`).join('');
    return `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/><EventID>${id}</EventID><Version>0</Version><Level>0</Level><Task>${task}</Task><Opcode>0</Opcode><Keywords>${kw}</Keywords><TimeCreated SystemTime='${created}'/><EventRecordID>${this.record++}</EventRecordID><Correlation/><Execution ProcessID='684' ThreadID='${this.between(3000, 3400)}'/><Channel>Security</Channel><Computer>DC01.${DOMAIN}</Computer><Security/></System><EventData>${fields}</EventData></Event>`;
  }
  private win(out: BenignLine[], line: string) {
    out.push({ source: 'windows', line });
  }
  private tgt(out: BenignLine[], ms: number, user: string, sid: string, ip: string, status = '0x0') {
    this.win(out, this.xml(ms, 4768, 14339, status !== '0x0', [['TargetUserName', user], ['TargetDomainName', REALM], ['TargetSid', sid], ['ServiceName', 'krbtgt'], ['ServiceSid', `${SID}-502`], ['TicketOptions', '0x40810010'], ['Status', status], ['TicketEncryptionType', '0x12'], ['PreAuthType', '2'], ['IpAddress', `::ffff:${ip}`], ['IpPort', String(this.between(49152, 65535))]]));
  }
  private ticket(out: BenignLine[], ms: number, user: string, service: string, ip: string) {
    this.win(out, this.xml(ms, 4769, 14337, false, [['TargetUserName', `${user}@${REALM}`], ['TargetDomainName', REALM], ['ServiceName', service], ['ServiceSid', `${SID}-1${this.between(100, 999)}`], ['TicketOptions', '0x40810000'], ['TicketEncryptionType', '0x12'], ['IpAddress', `::ffff:${ip}`], ['IpPort', String(this.between(49152, 65535))], ['Status', '0x0'], ['LogonGuid', '{00000000-0000-0000-0000-000000000000}'], ['TransmittedServices', '-']]));
  }
  private logon(out: BenignLine[], ms: number, user: string, sid: string, ws: string, ip: string, pkg: 'Kerberos' | 'NTLM' = 'Kerberos') {
    const id = `0x${this.between(0x100000, 0xffffff).toString(16)}`;
    this.win(out, this.xml(ms, 4624, 12544, false, [['SubjectUserSid', 'S-1-0-0'], ['SubjectUserName', '-'], ['SubjectDomainName', '-'], ['SubjectLogonId', '0x0'], ['TargetUserSid', sid], ['TargetUserName', user], ['TargetDomainName', NETBIOS], ['TargetLogonId', id], ['LogonType', '3'], ['LogonProcessName', pkg === 'Kerberos' ? 'Kerberos' : 'NtLmSsp '], ['AuthenticationPackageName', pkg], ['WorkstationName', ws], ['IpAddress', ip], ['IpPort', String(this.between(49152, 65535))]]));
    // the logoff a little later
    this.win(out, this.xml(ms + this.between(2, 600) * 1000, 4634, 12545, false, [['TargetUserSid', sid], ['TargetUserName', user], ['TargetDomainName', NETBIOS], ['TargetLogonId', id], ['LogonType', '3']]));
  }
  private ntlm(out: BenignLine[], ms: number, user: string, ws: string, status = '0x0') {
    this.win(out, this.xml(ms, 4776, 14336, status !== '0x0', [['PackageName', 'MICROSOFT_AUTHENTICATION_PACKAGE_V1_0'], ['TargetUserName', user], ['Workstation', ws], ['Status', status]]));
  }
  private preauthFailed(out: BenignLine[], ms: number, user: string, sid: string, ip: string) {
    this.win(out, this.xml(ms, 4771, 14339, true, [['TargetUserName', user], ['TargetSid', sid], ['ServiceName', `krbtgt/${REALM}`], ['TicketOptions', '0x40810010'], ['Status', '0x18'], ['PreAuthType', '2'], ['IpAddress', `::ffff:${ip}`], ['IpPort', String(this.between(49152, 65535))], ['CertIssuerName', ''], ['CertSerialNumber', ''], ['CertThumbprint', '']]));
  }
  private special(out: BenignLine[], ms: number, user: string, sid: string) {
    this.win(out, this.xml(ms, 4672, 12548, false, [['SubjectUserSid', sid], ['SubjectUserName', user], ['SubjectDomainName', NETBIOS], ['SubjectLogonId', `0x${this.between(0x100000, 0xffffff).toString(16)}`], ['PrivilegeList', 'SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege']]));
  }

  private machineLogon(out: BenignLine[], pc: Pc, ms: number) {
    const account = `${pc.name}$`;
    this.tgt(out, ms, account, `${SID}-${5000 + pc.i}`, pc.ip);
    this.ticket(out, ms + 1000, account, 'DC01$', pc.ip);
    this.logon(out, ms + 2000, account, `${SID}-${5000 + pc.i}`, '-', pc.ip);
  }

  private userDay(out: BenignLine[], pc: Pc, midnight: number, [from, to]: [number, number]) {
    const at = (a: number, b: number) => midnight + (a + this.r() * (b - a)) * 60_000;
    const morning = midnight + from * 60_000;
    // a typo before the right password, now and then
    if (this.r() < 0.08) {
      const typos = this.between(1, 3);
      for (let t = 0; t < typos; t++) this.preauthFailed(out, morning - (typos - t) * 9000, pc.user, pc.sid, pc.ip);
    }
    this.tgt(out, morning, pc.user, pc.sid, pc.ip);
    // group policy, SYSVOL, the file and print servers; tickets renewed through the day
    for (const svc of ['DC01$', 'FS01$', 'PRN-SV01$', `cifs/fs01.${DOMAIN}`, `ldap/dc01.${DOMAIN}`]) this.ticket(out, morning + this.between(2, 60) * 1000, pc.user, svc, pc.ip);
    const renewals = this.between(8, 20);
    for (let k = 0; k < renewals; k++) this.ticket(out, at(from, to), pc.user, this.pick(['FS01$', 'DC01$', 'APP-SV01$', `HTTP/portal.${DOMAIN}`, 'DB-SV01$']), pc.ip);
    const logons = this.between(3, 9);
    for (let k = 0; k < logons; k++) this.logon(out, at(from, to), pc.user, pc.sid, pc.name, pc.ip);
    // an application that still uses NTLM
    if (this.r() < 0.5) this.ntlm(out, at(from, to), pc.user, pc.name);
    // an NTLM typo (a mapped drive, an intranet site asking for a password)
    if (this.r() < 0.03) this.ntlm(out, at(from, to), pc.user, pc.name, '0xc000006a');
    // the internal sessions the firewall logs: the file server and the DC all day, the print server now and then
    const sessions = this.between(6, 14);
    for (let k = 0; k < sessions; k++) {
      const s = this.pick([FS, FS, FS, DC, DC, PRINT, SERVERS[5]!]);
      const port = s === DC ? this.pick([88, 389, 445, 135]) : s === PRINT ? 9100 : s === FS ? 445 : 443;
      this.fwPermit(out, at(from, to), pc.ip, s.ip, port, 'tcp', 6, 'LAN', 'SERVERS', port === 445 ? 'smb' : port === 9100 ? 'tcp/port:9100' : port === 443 ? 'https' : port === 88 ? 'kerberos' : port === 389 ? 'ldap' : 'ms-rpc', this.between(2_000, 800_000), this.between(2_000, 5_000_000), 20);
    }
    if (pc.name === ADMIN_PC.name) {
      // the admin at his PC: his admin account, RDP to the servers, special logons
      const admin = ADMIN_PC.user;
      const adminSid = `${SID}-1150`;
      this.tgt(out, morning + 120_000, admin, adminSid, pc.ip);
      this.ntlm(out, morning + 180_000, admin, pc.name);
      for (const s of SERVERS.slice(0, 6)) {
        const t = at(from + 30, to);
        this.logon(out, t, admin, adminSid, pc.name, pc.ip);
        this.fwPermit(out, t, pc.ip, s.ip, 3389, 'tcp', 6, 'LAN', 'SERVERS', 'rdp', this.between(200_000, 3_000_000), this.between(1_000_000, 30_000_000), 21);
      }
    }
  }

  // ---------------------------------------------------------------- proxy, DNS and the firewall's view of the proxy

  private squid(out: BenignLine[], ms: number, ip: string, method: string, host: string, path: string | undefined, status: number, bytes: number, ua: string) {
    const req = method === 'CONNECT' ? `CONNECT ${host}:443 HTTP/1.1` : `${method} http://${host}${path ?? '/'} HTTP/1.1`;
    const code = method === 'CONNECT' ? 'TCP_TUNNEL' : status === 304 ? 'TCP_REFRESH_UNMODIFIED' : this.r() < 0.3 ? 'TCP_HIT' : 'TCP_MISS';
    if (this.squidFormat === 'native-up') {
      // what the client sent: a request's headers, a form, a file synced to the cloud now and then
      const sent = method === 'POST' ? this.between(800, 6000) : ua.startsWith('Microsoft SkyDriveSync') && this.r() < 0.3 ? this.between(20_000, 30_000_000) : this.between(400, 2500) + Math.floor(bytes / 40);
      const url = method === 'CONNECT' ? `${host}:443` : `http://${host}${path ?? '/'}`;
      const peer = code === 'TCP_HIT' ? 'HIER_NONE/-' : `HIER_DIRECT/${this.externalIp(host)}`;
      const mime = method === 'CONNECT' ? '-' : this.pick(['text/html', 'application/octet-stream', 'application/ocsp-response', 'image/png']);
      out.push({ source: 'squid', line: `${(ms / 1000).toFixed(3)} ${this.between(5, 60_000)} ${ip} ${code}/${status} ${bytes} ${method} ${url} - ${peer} ${mime} ${sent}` });
    } else {
      out.push({ source: 'squid', line: `${ip} - - [${squidTime(ms)}] "${req}" ${status} ${bytes} "-" "${ua}" ${code}:${code === 'TCP_HIT' ? 'HIER_NONE' : 'HIER_DIRECT'}` });
    }
    // the proxy's own session to the site, in the firewall log, for a part of them; and its lookup
    if (code !== 'TCP_HIT' && this.r() < 0.35) {
      this.fwPermit(out, ms + 50, PROXY, this.externalIp(host), method === 'CONNECT' ? 443 : 80, 'tcp', 6, 'SERVERS', 'Untrust', method === 'CONNECT' ? 'https' : 'http', this.between(600, 40_000), bytes + this.between(200, 2000), 10);
    }
    if (this.r() < 0.15) this.dns(out, ms - 20, PROXY, host, 'A');
  }

  /** a stable made-up public address per host name (documentation ranges avoided on purpose: they hold the story's attackers) */
  private externalIp(host: string): string {
    let h = 2166136261;
    for (let i = 0; i < host.length; i++) h = Math.imul(h ^ host.charCodeAt(i), 16777619);
    const u = h >>> 0;
    return `${[13, 20, 23, 40, 52, 104, 142, 151, 172][u % 9]}.${(u >>> 8) % 256}.${(u >>> 16) % 256}.${(u % 250) + 1}`;
  }

  private dns(out: BenignLine[], ms: number, ip: string, name: string, type: string) {
    const handle = `0x7f${(0x3a1c00d2a0 + (this.queue++ % 4096) * 16).toString(16)}`;
    out.push({ source: 'bind', line: `${bindTime(ms)} queries: info: client @${handle} ${ip}#${this.between(1024, 65535)} (${name}): query: ${name} IN ${type} +E(0)K (${DNS_SERVER})` });
  }

  private softwareDay(out: BenignLine[], pc: Pc, midnight: number, on: [number, number], work: [number, number] | undefined) {
    const at = (a: number, b: number) => midnight + (a + this.r() * (b - a)) * 60_000;
    const list = pc.zoom ? [...SOFTWARE, ZOOM] : SOFTWARE;
    for (const sw of list) {
      // while someone works the software is busier; a PC left on keeps calling at night
      const span = work ?? on;
      const n = Math.max(1, Math.round(sw.perDay * (work ? 1 : 0.5) * (0.7 + this.r() * 0.6)));
      for (let k = 0; k < n; k++) {
        const [method, host, path] = this.pick(sw.calls);
        const t = k === 0 && pc.alwaysOn ? at(0, 7 * 60) : at(span[0], span[1]);
        this.squid(out, t, pc.ip, method!, host!, path, 200, method === 'CONNECT' ? this.between(3_000, 400_000) : this.between(500, 60_000), sw.ua);
      }
    }
    if (work) {
      // browsing: pages and what they pull in
      const pages = this.between(60, 140);
      for (let k = 0; k < pages; k++) {
        const t = at(work[0], work[1]);
        const site = this.popular(SITES);
        this.squid(out, t, pc.ip, 'CONNECT', site, undefined, 200, this.between(5_000, 900_000), pc.browser);
        if (this.r() < 0.5) this.squid(out, t + 300, pc.ip, 'CONNECT', this.pick(ASSETS), undefined, 200, this.between(2_000, 200_000), pc.browser);
        if (this.r() < 0.1) this.squid(out, t + 500, pc.ip, 'GET', site, `/${this.pick(['', 'news/', 'article/', 'search?q=x', 'img/logo.png'])}`, this.r() < 0.2 ? 304 : 200, this.between(300, 90_000), pc.browser);
      }
      // a POST now and then (forms, webmail)
      const posts = this.between(0, 4);
      for (let k = 0; k < posts; k++) this.squid(out, at(work[0], work[1]), pc.ip, 'POST', this.pick([`portal.${DOMAIN}`, 'www.freee.co.jp', 'www.cybozu.com']), '/api/save', 200, this.between(200, 4000), pc.browser);
      // a video meeting whose media goes straight to the internet (allowed): the upload is large
      if (pc.zoom && this.r() < 0.15) {
        const start = at(work[0], work[1] - 60);
        const minutes = this.between(20, 60);
        this.fwPermit(out, start + minutes * 60_000, pc.ip, '170.114.52.2', 8801, 'udp', 17, 'LAN', 'Untrust', 'udp/port:8801', minutes * this.between(4_000_000, 9_000_000), minutes * this.between(6_000_000, 12_000_000), 12, minutes * 60);
      }
    }
  }

  // ---------------------------------------------------------------- firewall

  private fwPermit(out: BenignLine[], endMs: number, src: string, dst: string, port: number, proto: string, protoNum: number, from: string, to: string, service: string, sent: number, rcvd: number, policy: number, duration = this.between(1, 120)) {
    const start = endMs - duration * 1000;
    void proto;
    out.push({
      source: 'netscreen',
      line: `${rfc3339(endMs)} 10.20.1.1 ssg320-hq: NetScreen device_id=ssg320-hq [Root]system-notification-00257(traffic): start_time="${localStamp(start)}" duration=${duration} policy_id=${policy} service=${service} proto=${protoNum} src zone=${from} dst zone=${to} action=Permit sent=${sent} rcvd=${rcvd} src=${src} dst=${dst} src_port=${this.between(49152, 65535)} dst_port=${port} session_id=${this.session++} reason=Close - TCP FIN`,
    });
  }

  private fwDeny(out: BenignLine[], ms: number, src: string, dst: string, port: number, proto: string, protoNum: number, from: string, to: string, service: string, policy: number) {
    void proto;
    out.push({
      source: 'netscreen',
      line: `${rfc3339(ms)} 10.20.1.1 ssg320-hq: NetScreen device_id=ssg320-hq [Root]system-notification-00257(traffic): start_time="${localStamp(ms)}" duration=0 policy_id=${policy} service=${service} proto=${protoNum} src zone=${from} dst zone=${to} action=Deny sent=0 rcvd=0 src=${src} dst=${dst} src_port=${port === 137 ? 137 : this.between(49152, 65535)} dst_port=${port} session_id=0`,
    });
  }

  // ---------------------------------------------------------------- servers: file server, backup, DC, admin

  private servers(out: BenignLine[], midnight: number, workday: boolean, dow: number) {
    void dow;
    const users = this.pcs.filter((p) => p.i > 0);
    // the file server authenticates its users: hundreds of network logons an hour in office hours, NTLM (its clients' names in 4776)
    for (let hour = 0; hour < 24; hour++) {
      const busy = workday && hour >= 8 && hour < 20;
      const n = busy ? this.between(250, 450) : this.between(3, 12);
      for (let k = 0; k < n; k++) {
        const t = midnight + (hour * 60 + this.r() * 60) * 60_000;
        const u = this.pick(users);
        this.logon(out, t, u.user, u.sid, FS.name, FS.ip, 'NTLM');
        if (this.r() < 0.3) this.ntlm(out, t - 200, u.user, u.name);
        // a user's wrong password on a mapped drive now and then
        if (this.r() < 0.01) this.ntlm(out, t - 400, u.user, u.name, '0xc000006a');
      }
      // the DC's own local logons (services, scheduled tasks)
      for (let k = 0; k < 2; k++) this.logon(out, midnight + (hour * 60 + this.r() * 60) * 60_000, 'DC01$', `${SID}-1000`, '-', '127.0.0.1');
    }
    // the nightly backup: svc-backup logs on to the file server and copies it (inside the server segment)
    const backupSid = `${SID}-1201`;
    for (let k = 0; k < 3; k++) {
      const t = midnight + (60 + k * 7 + this.r() * 5) * 60_000;
      this.logon(out, t, 'svc-backup', backupSid, BACKUP.name, BACKUP.ip);
      this.special(out, t + 1000, 'svc-backup', backupSid);
    }
    this.fwPermit(out, midnight + 4 * 3_600_000, BACKUP.ip, FS.ip, 445, 'tcp', 6, 'SERVERS', 'SERVERS', 'smb', this.between(20_000_000, 60_000_000), this.between(30_000_000_000, 60_000_000_000), 30, 10_800);
    // the management server: Administrator now and then
    if (workday) {
      const t = midnight + (10 * 60 + this.r() * 300) * 60_000;
      this.tgt(out, t, 'Administrator', `${SID}-500`, MGMT.ip);
      this.logon(out, t + 1000, 'Administrator', `${SID}-500`, MGMT.name, MGMT.ip);
      this.special(out, t + 1500, 'Administrator', `${SID}-500`);
    }
    // the servers' own updates, through the proxy, at night
    for (const s of SERVERS) {
      const t = midnight + (this.between(60, 300) + this.r()) * 60_000;
      this.squid(out, t, s.ip, 'CONNECT', 'fe2cr.update.microsoft.com', undefined, 200, this.between(3000, 300_000), SOFTWARE[0]!.ua);
      this.squid(out, t + 5000, s.ip, 'GET', 'ocsp.digicert.com', '/MFEwTzBNMEswSTAJBgUrDgMCGgUABBQ', 200, this.between(500, 3000), 'Microsoft-CryptoAPI/10.0');
    }
  }

  // ---------------------------------------------------------------- mail

  private mail(out: BenignLine[], midnight: number) {
    const users = this.pcs;
    const qid = () => Array.from({ length: 10 }, () => '0123456789ABCDEF'[this.between(0, 16)]).join('');
    const cleanup = (ms: number, id: string, header: string, relay: string, ip: string, from: string, to: string) =>
      out.push({ source: 'postfix', line: `${syslogTime(ms)} mail-gw postfix/cleanup[${this.between(1000, 30000)}]: ${id}: warning: header ${header} from ${relay}[${ip}]; from=<${from}> to=<${to}> proto=ESMTP helo=<${relay}>` });
    // newsletters: one per brand per day to a part of the staff, sent through a mail service
    for (const n of NEWSLETTERS) {
      const send = midnight + (7 * 60 + this.r() * 120) * 60_000;
      for (const u of users) {
        if (this.r() > 0.3) continue;
        const id = qid();
        cleanup(send + this.r() * 600_000, id, `From: "${n.name}" <${n.from}>`, n.relay, n.ip, n.bounce, `${u.user}@${DOMAIN}`);
      }
    }
    // partners' mail: From is the envelope sender; some carry a PDF or a spreadsheet
    const partnerMails = Math.round(users.length * 1.5);
    for (let k = 0; k < partnerMails; k++) {
      const d = this.pick(PARTNERS);
      const who = `${this.pick(SURNAMES)}@${d}`;
      const u = this.pick(users);
      const t = midnight + (8 * 60 + this.r() * 600) * 60_000;
      const id = qid();
      const relay = `mx.${d}`;
      const ip = `198.51.100.${(d.length * 7) % 250}`;
      cleanup(t, id, `From: "${who.split('@')[0]}" <${who}>`, relay, ip, who, `${u.user}@${DOMAIN}`);
      if (this.r() < 0.25) {
        const file = this.pick(['見積書.pdf', 'invoice_2026-11.pdf', '発注書.xlsx', '議事録.docx', 'spec_v2.pdf']);
        const encoded = Buffer.from(file, 'utf8').toString('base64');
        cleanup(t, id, `Content-Disposition: attachment;? filename="=?UTF-8?B?${encoded}?="`, relay, ip, who, `${u.user}@${DOMAIN}`);
      }
    }
  }
}

/** The lines of a benign week (see BenignWeek). */
export function benignWeek(o: BenignWeekOptions = {}): Generator<BenignLine> {
  return new BenignWeek(o).lines();
}
