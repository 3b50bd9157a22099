/**
 * Writes demo/logs/: five days (Mon 5 - Fri 9 October 2026) of the logs of a fictional
 * shipping company, みなと海運株式会社 (Minato Kaiun, Yokohama), in which a targeted attack
 * runs from a spear-phishing mail to data theft, among ordinary background traffic. The site
 * profile is demo/profile.yml, the indicators a partner shared afterwards demo/indicators.txt.
 *
 * Deterministic (a seeded generator): `npx tsx demo/make-logs.ts` rewrites the same files.
 * The story is told in demo/README.md; every attack line is marked below with its step.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'logs');

// ---- a small seeded generator, so that the files do not change from run to run
let seed = 20261005;
function rnd(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
const hex = (n: number) => Array.from({ length: n }, () => '0123456789ABCDEF'[int(0, 15)]).join('');

// ---- time: story times are Japan time (+09:00); t() gives epoch ms
const JST = 9 * 3600_000;
function t(day: number, hh: number, mm: number, ss = 0, ms = 0): number {
  return Date.UTC(2026, 9, day, hh, mm, ss, ms) - JST;
}
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');
function local(ms: number) {
  const d = new Date(ms + JST);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), ms: d.getUTCMilliseconds() };
}
/** 2026-10-06T09:42:11.203+09:00 (rsyslog's RSYSLOG_FileFormat) */
function rfc3339(ms: number): string {
  const l = local(ms);
  return `${l.y}-${p2(l.mo + 1)}-${p2(l.d)}T${p2(l.h)}:${p2(l.mi)}:${p2(l.s)}.${String(l.ms).padStart(3, '0')}000+09:00`;
}
/** 06-Oct-2026 09:55:01.123 (BIND's print-time, local time) */
function bindTime(ms: number): string {
  const l = local(ms);
  return `${p2(l.d)}-${MON[l.mo]}-${l.y} ${p2(l.h)}:${p2(l.mi)}:${p2(l.s)}.${String(l.ms).padStart(3, '0')}`;
}
/** 06/Oct/2026:09:55:02 +0900 (Squid's %tl) */
function squidTime(ms: number): string {
  const l = local(ms);
  return `${p2(l.d)}/${MON[l.mo]}/${l.y}:${p2(l.h)}:${p2(l.mi)}:${p2(l.s)} +0900`;
}
function screenosStart(ms: number): string {
  const l = local(ms);
  return `${l.y}-${p2(l.mo + 1)}-${p2(l.d)} ${p2(l.h)}:${p2(l.mi)}:${p2(l.s)}`;
}
const utcIso = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}0000Z`;

// ---- the company
const DOMAIN = 'minato-kaiun.example';
const AD_DOMAIN = 'corp.minato-kaiun.example';
interface Pc { ip: string; name: string; user: string; sid: string }
const USERS = ['sasaki.ken', 'yamamoto.aya', 'nakamura.sho', 'kobayashi.rie', 'kato.daichi', 'yoshida.mao', 'yamaguchi.jun', 'matsumoto.eri', 'inoue.taku', 'kimura.saki', 'hayashi.ryo', 'shimizu.nana', 'ito.mayumi', 'mori.hiroshi', 'ikeda.yui', 'hashimoto.kei'];
const PCS: Pc[] = USERS.map((user, i) => ({ ip: `10.40.10.${11 + i}`, name: `PC-${1011 + i}`, user, sid: `S-1-5-21-3902114577-2843165009-1775338420-${2101 + i}` }));
const VICTIM = PCS.find((p) => p.user === 'ito.mayumi')!; // 10.40.10.23, PC-1023, 輸出部
const ADMIN = { ip: '10.40.10.5', name: 'ADMIN-PC01', user: 'adm-takahashi', sid: 'S-1-5-21-3902114577-2843165009-1775338420-1150' };
const DC = { ip: '10.40.1.10', name: 'DC1', fqdn: `DC1.${AD_DOMAIN}` };
const FS = { ip: '10.40.1.20', name: 'FS1' };
const PROXY = { ip: '10.40.1.5', name: 'proxy01' };
const DNS = { ip: '10.40.1.53', name: 'ns1' };
const BACKUP = { ip: '10.40.1.40', name: 'BACKUP01', user: 'svc-backup', sid: 'S-1-5-21-3902114577-2843165009-1775338420-1201' };
const MX = { ip: '172.16.40.25', name: 'mx1' };
const FW = 'ssg-yokohama';
const SERVERS = ['10.40.1.10', '10.40.1.11', '10.40.1.20', '10.40.1.21', '10.40.1.30', '10.40.1.31', '10.40.1.40', '10.40.1.41', '10.40.1.50', '10.40.1.60', '10.40.1.61', '10.40.1.70'];

// ---- the attacker (documentation addresses and reserved names only)
const C2_DOMAIN = 'cdn-update.cargo-track.example.net';
const C2_IP = '192.0.2.45';
const DROP = 'upload.filedrop.example.org';
const SFTP_DROP = '198.51.100.140';
const PHISH_RELAY = { host: 'unknown', ip: '203.0.113.77', helo: 'mail.mailer-cargo.example.net' };
const PHISH_SENDER = 'noreply@mailer-cargo.example.net';
const ATTACHMENT = 'B／L修正依頼_1006.scr';
const MALWARE_UA = 'Mozilla/4.0 (compatible; MSIE 8.0; Win32; CargoSync/2.1)';

// ---- background vocabulary
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36 Edg/128.0.2739.67',
];
const SITES = [
  { host: `portal.${DOMAIN}`, paths: ['/', '/news/', '/schedule/vessel', '/wf/approve?id='] },
  { host: 'www.nihon-shosen.example', paths: ['/', '/tracking/', '/tracking/search?bl='] },
  { host: 'port.yokohama-kowan.example.jp', paths: ['/berth/', '/berth/today', '/notice/'] },
  { host: 'www.kaiji-shimbun.example.jp', paths: ['/', '/article/', '/market/'] },
  { host: 'weather.example.jp', paths: ['/marine/', '/typhoon/'] },
  { host: 'customs.example.go.jp', paths: ['/naccs/', '/tariff/'] },
];
const BUSINESS_DOMAINS = [DOMAIN, 'nihon-shosen.example', 'yokohama-kowan.example.jp', 'kaiji-shimbun.example.jp', 'weather.example.jp', 'customs.example.go.jp'];
const PARTNERS = [
  { addr: 'eigyo@nihon-shosen.example', name: '日本商船 営業部', relay: { host: 'mx.nihon-shosen.example', ip: '198.51.100.21' } },
  { addr: 'booking@yokohama-kowan.example.jp', name: '横浜港湾 予約係', relay: { host: 'mail.yokohama-kowan.example.jp', ip: '198.51.100.35' } },
  { addr: 'info@kaiji-shimbun.example.jp', name: '海事新聞', relay: { host: 'smtp.kaiji-shimbun.example.jp', ip: '198.51.100.52' } },
];
const SUBJECTS = ['10月分 運賃のご請求', '入港スケジュールのご連絡', '本船動静（第41週）', '見積書送付の件', '会議資料の送付', 'ブッキング確認'];
const ATTACH = ['請求書_202610.pdf', '見積書_NS-2418.xlsx', '動静表_w41.xlsx', '議事録_1005.docx', 'booking_confirmation.pdf'];

const b64 = (s: string) => `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;

// ---- the writers: each line with its time, sorted per file at the end
type Line = [number, string];
const postfix: Line[] = [];
const netscreen: Line[] = [];
const squid: Line[] = [];
const bind: Line[] = [];
const windows: Line[] = [];

// Postfix (rsyslog file format), with header_checks / mime_header_checks WARN as the guide asks
let pid = 3100;
let qid = 0x3a41c0;
function mail(at: number, m: { from: string; fromHeader: string; to: string; relay: { host: string; ip: string; helo?: string }; subject: string; attachment?: string; size?: number }) {
  const id = (qid += int(7, 300)).toString(16).toUpperCase().padStart(10, '0');
  const smtpd = pid++, cleanup = pid++;
  const client = `${m.relay.host}[${m.relay.ip}]`;
  const tail = `from ${client}; from=<${m.from}> to=<${m.to}> proto=ESMTP helo=<${m.relay.helo ?? m.relay.host}>`;
  const at2 = (s: number) => at + s * 1000 + int(0, 999);
  const L = (s: number, prog: string, text: string) => postfix.push([at2(s), `${rfc3339(at2(s))} ${MX.name} postfix/${prog}: ${text}`]);
  L(0, `smtpd[${smtpd}]`, `connect from ${client}`);
  L(1, `smtpd[${smtpd}]`, `${id}: client=${client}`);
  L(1, `cleanup[${cleanup}]`, `${id}: warning: header From: ${m.fromHeader} ${tail}`);
  L(1, `cleanup[${cleanup}]`, `${id}: warning: header Subject: ${b64(m.subject)} ${tail}`);
  if (m.attachment) L(1, `cleanup[${cleanup}]`, `${id}: warning: header Content-Disposition: attachment;? filename="${b64(m.attachment)}" ${tail}`);
  L(1, `cleanup[${cleanup}]`, `${id}: message-id=<${hex(8).toLowerCase()}.${hex(6).toLowerCase()}@${m.from.split('@')[1]}>`);
  L(2, 'qmgr[1187]', `${id}: from=<${m.from}>, size=${m.size ?? int(4000, 90000)}, nrcpt=1 (queue active)`);
  L(2, `smtpd[${smtpd}]`, `disconnect from ${client} ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`);
  L(3, `smtp[${pid++}]`, `${id}: to=<${m.to}>, relay=exch1.${AD_DOMAIN}[10.40.1.30]:25, delay=${(rnd() * 2 + 0.3).toFixed(1)}, delays=0.1/0/0.1/0.4, dsn=2.0.0, status=sent (250 2.0.0 OK)`);
  L(3, 'qmgr[1187]', `${id}: removed`);
}

// NetScreen traffic logs
let session = 410000;
function fw(at: number, f: { src: string; dst: string; sport?: number; dport: number; proto?: number; service: string; from: string; to: string; action: 'Permit' | 'Deny'; sent?: number; rcvd?: number; duration?: number; policy: number }) {
  const permit = f.action === 'Permit';
  const end = at + (f.duration ?? 0) * 1000;
  netscreen.push([
    end,
    `${rfc3339(end)} 10.40.1.1 ${FW}: NetScreen device_id=${FW} [Root]system-notification-00257(traffic): start_time="${screenosStart(at)}" duration=${f.duration ?? 0} policy_id=${f.policy} service=${f.service} proto=${f.proto ?? 6} src zone=${f.from} dst zone=${f.to} action=${f.action} sent=${f.sent ?? 0} rcvd=${f.rcvd ?? 0} src=${f.src} dst=${f.dst} src_port=${f.sport ?? int(49152, 65000)} dst_port=${f.dport}${permit ? ` session_id=${session++} reason=Close - TCP FIN` : ' session_id=0'}`,
  ]);
}

// Squid access log in the combined format with User-Agent (squid.conf as the guide asks)
function web(at: number, w: { ip: string; method: string; url: string; status: number; bytes: number; ua: string; tag?: string; user?: string }) {
  const tag = w.tag ?? (w.method === 'CONNECT' ? 'TCP_TUNNEL:HIER_DIRECT' : w.status === 403 ? 'TCP_DENIED:HIER_NONE' : pick(['TCP_MISS:HIER_DIRECT', 'TCP_MISS:HIER_DIRECT', 'TCP_REFRESH_UNMODIFIED:HIER_DIRECT']));
  squid.push([at, `${w.ip} - ${w.user ?? '-'} [${squidTime(at)}] "${w.method} ${w.url} HTTP/1.1" ${w.status} ${w.bytes} "-" "${w.ua}" ${tag}`]);
}

// BIND query log (file channel, print-time yes, print-category yes, print-severity yes)
function dns(at: number, ip: string, name: string, type = 'A') {
  bind.push([at, `${bindTime(at)} queries: info: client @0x7f4c${hex(8).toLowerCase()} ${ip}#${int(1025, 65000)} (${name}): query: ${name} IN ${type} +E(0)K (${DNS.ip})`]);
}

// Windows Security events of the domain controller, as an XML export (wevtutil qe Security /f:xml)
let record = 1_804_000;
function winEvent(at: number, id: number, task: number, data: Record<string, string>, opts: { keywords?: string; provider?: string } = {}): void {
  const body = Object.entries(data).map(([k, v]) => `<Data Name="${k}">${v}</Data>`).join('');
  windows.push([
    at,
    `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/><EventID>${id}</EventID><Version>${id === 4624 ? 2 : 0}</Version><Level>0</Level><Task>${task}</Task><Opcode>0</Opcode><Keywords>${opts.keywords ?? '0x8020000000000000'}</Keywords><TimeCreated SystemTime="${utcIso(at)}"/><EventRecordID>${record++}</EventRecordID><Correlation/><Execution ProcessID="708" ThreadID="${int(700, 9000)}"/><Channel>Security</Channel><Computer>${DC.fqdn}</Computer><Security/></System><EventData>${body}</EventData></Event>`,
  ]);
}
let logonId = 0x5a1000;
const NOBODY = { SubjectUserSid: 'S-1-0-0', SubjectUserName: '-', SubjectDomainName: '-', SubjectLogonId: '0x0' };
function logon(at: number, u: { user: string; sid: string; ip: string; name: string }, type = 3) {
  const id = `0x${(logonId += int(3, 90)).toString(16)}`;
  winEvent(at, 4624, 12544, { ...NOBODY, TargetUserSid: u.sid, TargetUserName: u.user, TargetDomainName: 'MINATO', TargetLogonId: id, LogonType: String(type), LogonProcessName: 'Kerberos', AuthenticationPackageName: 'Kerberos', WorkstationName: '-', LogonGuid: `{${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}}`, TransmittedServices: '-', LmPackageName: '-', KeyLength: '0', ProcessId: '0x0', ProcessName: '-', IpAddress: u.ip, IpPort: String(int(49152, 65000)), ImpersonationLevel: '%%1833', ElevatedToken: '%%1843' }, { keywords: '0x8020000000000000' });
  return id;
}
function tgt(at: number, u: { user: string; sid: string; ip: string }, status = '0x0') {
  winEvent(at, 4768, 14339, { TargetUserName: u.user, TargetDomainName: AD_DOMAIN.toUpperCase(), TargetSid: status === '0x0' ? u.sid : 'S-1-0-0', ServiceName: 'krbtgt', ServiceSid: 'S-1-5-21-3902114577-2843165009-1775338420-502', TicketOptions: '0x40810010', Status: status, TicketEncryptionType: status === '0x0' ? '0x12' : '0xffffffff', PreAuthType: status === '0x0' ? '2' : '-', IpAddress: `::ffff:${u.ip}`, IpPort: String(int(49152, 65000)) }, { keywords: status === '0x0' ? '0x8020000000000000' : '0x8010000000000000' });
}
function failedLogon(at: number, user: string, ip: string, workstation: string) {
  winEvent(at, 4625, 12544, { ...NOBODY, TargetUserSid: 'S-1-0-0', TargetUserName: user, TargetDomainName: 'MINATO', Status: '0xc000006d', FailureReason: '%%2313', SubStatus: '0xc000006a', LogonType: '3', LogonProcessName: 'NtLmSsp ', AuthenticationPackageName: 'NTLM', WorkstationName: workstation, TransmittedServices: '-', LmPackageName: '-', KeyLength: '0', ProcessId: '0x0', ProcessName: '-', IpAddress: ip, IpPort: String(int(49152, 65000)) }, { keywords: '0x8010000000000000' });
}
function ntlm(at: number, user: string, workstation: string, status = '0x0') {
  winEvent(at, 4776, 14336, { PackageName: 'MICROSOFT_AUTHENTICATION_PACKAGE_V1_0', TargetUserName: user, Workstation: workstation, Status: status }, { keywords: status === '0x0' ? '0x8020000000000000' : '0x8010000000000000' });
}
const PRIVS = 'SeSecurityPrivilege&#10;&#9;&#9;&#9;SeBackupPrivilege&#10;&#9;&#9;&#9;SeRestorePrivilege&#10;&#9;&#9;&#9;SeTakeOwnershipPrivilege&#10;&#9;&#9;&#9;SeDebugPrivilege&#10;&#9;&#9;&#9;SeSystemEnvironmentPrivilege&#10;&#9;&#9;&#9;SeLoadDriverPrivilege&#10;&#9;&#9;&#9;SeImpersonatePrivilege&#10;&#9;&#9;&#9;SeEnableDelegationPrivilege';
function special(at: number, u: { user: string; sid: string }, id: string) {
  winEvent(at, 4672, 12548, { SubjectUserSid: u.sid, SubjectUserName: u.user, SubjectDomainName: 'MINATO', SubjectLogonId: id, PrivilegeList: PRIVS });
}

// ================= background: Mon 5 - Fri 9 October, business hours 08:30-18:00
const DAYS = [5, 6, 7, 8, 9];
for (const day of DAYS) {
  // the nightly backup (02:00, in the maintenance window): the backup server logs on to the DC
  for (let k = 0; k < 3; k++) {
    const at = t(day, 2, 0 + k * 7, int(0, 59));
    special(at + 5, BACKUP, logon(at, { ...BACKUP, name: BACKUP.name }));
  }
  // the admin's day on ADMIN-PC01
  const adminIn = t(day, 8, int(35, 50), int(0, 59));
  tgt(adminIn, ADMIN);
  special(adminIn + 900, ADMIN, logon(adminIn + 800, ADMIN));
  ntlm(adminIn + 1200, ADMIN.user, ADMIN.name);
  // inbound noise at the mail gateway (denied, from the internet: no check looks at it)
  for (let k = 0; k < int(4, 8); k++) fw(t(day, int(0, 23), int(0, 59), int(0, 59)), { src: `203.0.113.${int(100, 250)}`, dst: MX.ip, dport: pick([23, 3389, 445, 1433]), service: pick(['telnet', 'ms-rdp', 'tcp/port:445', 'ms-sql']), from: 'Untrust', to: 'DMZ', action: 'Deny', policy: 320001 });
  for (const pc of PCS) {
    const arrive = t(day, 8, int(30, 59), int(0, 59), int(0, 999));
    const leave = t(day, 17, int(20, 59), int(0, 59));
    // morning logon: TGT, logon at the DC, file server share
    tgt(arrive, pc);
    logon(arrive + 600, pc);
    if (rnd() < 0.5) tgt(t(day, 13, int(0, 30), int(0, 59)), pc);
    fw(arrive + 2000, { src: pc.ip, dst: FS.ip, dport: 445, service: 'smb', from: 'Trust', to: 'Server', action: 'Permit', sent: int(20000, 900000), rcvd: int(100000, 4000000), duration: int(30, 3000), policy: 11 });
    // browsing through the proxy: a few visits to a few sites, all day
    const visits = int(6, 12);
    for (let v = 0; v < visits; v++) {
      const at = arrive + Math.floor(rnd() * (leave - arrive));
      const site = pick(SITES);
      const ua = BROWSERS[USERS.indexOf(pc.user) % 2]!;
      dns(at - 40, pc.ip, site.host);
      const secure = site.host.startsWith('portal') ? false : rnd() < 0.6;
      if (secure) {
        web(at, { ip: pc.ip, method: 'CONNECT', url: `${site.host}:443`, status: 200, bytes: int(4000, 400000), ua });
        fw(at + 50, { src: PROXY.ip, dst: `198.51.100.${int(60, 90)}`, dport: 443, service: 'https', from: 'Server', to: 'Untrust', action: 'Permit', sent: int(2000, 40000), rcvd: int(4000, 400000), duration: int(1, 120), policy: 30 });
      } else {
        const p = pick(site.paths);
        web(at, { ip: pc.ip, method: 'GET', url: `http://${site.host}${p}${p.endsWith('=') ? int(1000, 9999) : ''}`, status: 200, bytes: int(900, 90000), ua });
        if (!site.host.endsWith(DOMAIN)) fw(at + 50, { src: PROXY.ip, dst: `198.51.100.${int(60, 90)}`, dport: 80, service: 'http', from: 'Server', to: 'Untrust', action: 'Permit', sent: int(400, 4000), rcvd: int(900, 90000), duration: int(1, 10), policy: 30 });
      }
    }
    dns(t(day, int(9, 16), int(0, 59), int(0, 59)), pc.ip, `_ldap._tcp.dc._msdcs.${AD_DOMAIN}`, 'SRV');
    dns(t(day, int(9, 16), int(0, 59), int(0, 59)), pc.ip, `fs1.${AD_DOMAIN}`);
  }
  // the day's mail: partners writing to staff, with ordinary attachments
  for (let k = 0; k < 12; k++) {
    const p = pick(PARTNERS);
    const to = pick(PCS);
    mail(t(day, int(8, 17), int(0, 59), int(0, 59)), { from: p.addr, fromHeader: `${b64(p.name)} <${p.addr}>`, to: `${to.user}@${DOMAIN}`, relay: p.relay, subject: pick(SUBJECTS), ...(rnd() < 0.5 ? { attachment: pick(ATTACH) } : {}) });
  }
  // the mail gateway delivers outbound mail straight to the internet (DMZ: not an internal zone)
  for (let k = 0; k < 8; k++) fw(t(day, int(8, 18), int(0, 59), int(0, 59)), { src: MX.ip, dst: pick(PARTNERS).relay.ip, dport: 25, service: 'smtp', from: 'DMZ', to: 'Untrust', action: 'Permit', sent: int(3000, 200000), rcvd: int(400, 2000), duration: int(1, 6), policy: 40 });
}

// ================= the attack
const V = VICTIM;
// [1] Tue 6 Oct 09:42 spear-phishing: a partner's name in the From header, a bulk mailer as
//     envelope sender, a screensaver (.scr) named like a bill-of-lading correction
mail(t(6, 9, 42, 11), {
  from: PHISH_SENDER,
  fromHeader: `"eigyo@nihon-shosen.example" <eigyo@nihon-shosen.example>`,
  to: `${V.user}@${DOMAIN}`,
  relay: PHISH_RELAY,
  subject: '【至急】B/L記載内容の修正のお願い',
  attachment: ATTACHMENT,
  size: 486_211,
});
// [2] 09:57 伊藤 opens it: the dropper resolves its C2, tries it directly (denied), then
//     fetches its second stage through the proxy with its own User-Agent
dns(t(6, 9, 57, 2, 130), V.ip, C2_DOMAIN);
for (let k = 0; k < 3; k++) fw(t(6, 9, 57, 3 + k * 4), { src: V.ip, dst: C2_IP, dport: 443, service: 'https', from: 'Trust', to: 'Untrust', action: 'Deny', policy: 99 });
web(t(6, 9, 57, 20, 400), { ip: V.ip, method: 'GET', url: `http://${C2_DOMAIN}/dl/cs2.bin`, status: 200, bytes: 241_664, ua: MALWARE_UA });
// [3] beacons: a POST to the C2 every day until the theft, once at night
for (const [day, hh, mm] of [[6, 10, 2], [6, 14, 31], [7, 10, 5], [7, 21, 47], [8, 10, 3], [8, 15, 40], [9, 10, 4]] as const) {
  dns(t(day, hh, mm, 0, 50), V.ip, C2_DOMAIN);
  web(t(day, hh, mm, 1), { ip: V.ip, method: 'POST', url: `http://${C2_DOMAIN}/api/v2/sync`, status: 200, bytes: int(310, 420), ua: MALWARE_UA });
}
// [4] Tue 6 Oct 11:20 an interactive channel: CONNECT to the C2 address on 8443 (the proxy allows it)
web(t(6, 11, 20, 9), { ip: V.ip, method: 'CONNECT', url: `${C2_IP}:8443`, status: 200, bytes: 88_420, ua: MALWARE_UA });
fw(t(6, 11, 20, 10), { src: PROXY.ip, dst: C2_IP, dport: 8443, service: 'tcp/port:8443', from: 'Server', to: 'Untrust', action: 'Permit', sent: 21_330, rcvd: 88_420, duration: 1460, policy: 30 });
// [5] Wed 7 Oct 13:10 discovery: an SMB/RPC sweep of the server segment from PC-1023 (denied)
{
  let at = t(7, 13, 10, 5);
  for (const ip of SERVERS) for (const [port, svc] of [[445, 'smb'], [135, 'msrpc']] as const) {
    at += int(300, 2500);
    fw(at, { src: V.ip, dst: ip, dport: port, service: svc, from: 'Trust', to: 'Server', action: ip === FS.ip && port === 445 ? 'Permit' : 'Deny', policy: ip === FS.ip && port === 445 ? 11 : 98, ...(ip === FS.ip && port === 445 ? { sent: 1200, rcvd: 3400, duration: 1 } : {}) });
  }
}
// [6] 13:40 password spraying against the DC from PC-1023: one password, many accounts
{
  let at = t(7, 13, 40, 0);
  const targets = [...USERS.filter((u) => u !== V.user), 'adm-takahashi', 'administrator', 'svc-backup', 'helpdesk', 'scanner', 'guest', 'test', 'eigyo', 'soumu', 'yushutsu', 'keiri', 'jinji', 'it-admin', 'backup', 'sql-svc', 'web-svc', 'kanri', 'adm-sato', 'adm-ueda', 'operator', 'share', 'print-svc', 'vpn-user', 'tanto01', 'tanto02'];
  for (const user of targets) {
    at += int(2500, 6000);
    failedLogon(at, user, V.ip, V.name);
    ntlm(at + 3, user, V.name, '0xc000006a');
  }
  // [7] 13:52 one guess was right: the admin account logs on from PC-1023, not ADMIN-PC01
  const admFromVictim = { ...ADMIN, ip: V.ip, name: V.name };
  at = t(7, 13, 52, 30);
  ntlm(at, ADMIN.user, V.name);
  tgt(at + 400, admFromVictim);
  special(at + 900, ADMIN, logon(at + 800, admFromVictim));
  // [8] 13:58 伊藤's own account is put into Domain Admins and gets special privileges
  winEvent(t(7, 13, 58, 2), 4728, 13826, { MemberName: `CN=伊藤 真由美,OU=Export,DC=corp,DC=minato-kaiun,DC=example`, MemberSid: V.sid, TargetUserName: 'Domain Admins', TargetDomainName: 'MINATO', TargetSid: 'S-1-5-21-3902114577-2843165009-1775338420-512', SubjectUserSid: ADMIN.sid, SubjectUserName: ADMIN.user, SubjectDomainName: 'MINATO', SubjectLogonId: '0x5b2001', PrivilegeList: '-' });
  const vlog = logon(t(7, 14, 2, 11), V);
  special(t(7, 14, 2, 12), V, vlog);
  // [9] 23:05 covering tracks: audit policy changed, then the Security log cleared
  const night = logon(t(7, 23, 4, 40), V);
  special(t(7, 23, 4, 41), V, night);
  winEvent(t(7, 23, 5, 3), 4719, 13568, { SubjectUserSid: V.sid, SubjectUserName: V.user, SubjectDomainName: 'MINATO', SubjectLogonId: night, CategoryId: '%%8277', SubcategoryId: '%%12544', SubcategoryGuid: '{0CCE9215-69AE-11D9-BED3-505054503030}', AuditPolicyChanges: '%%8448, %%8450' });
  const cleared = t(7, 23, 6, 40);
  windows.push([
    cleared,
    `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Eventlog" Guid="{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}"/><EventID>1102</EventID><Version>0</Version><Level>4</Level><Task>104</Task><Opcode>0</Opcode><Keywords>0x4020000000000000</Keywords><TimeCreated SystemTime="${utcIso(cleared)}"/><EventRecordID>${record++}</EventRecordID><Correlation/><Execution ProcessID="1012" ThreadID="5528"/><Channel>Security</Channel><Computer>${DC.fqdn}</Computer><Security/></System><UserData><LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog"><SubjectUserSid>${V.sid}</SubjectUserSid><SubjectUserName>${V.user}</SubjectUserName><SubjectDomainName>MINATO</SubjectDomainName><SubjectLogonId>${night}</SubjectLogonId></LogFileCleared></UserData></Event>`,
  ]);
}
// [10] Thu 8 Oct 12:31 theft over the proxy: POST to a file-sharing site, then a 64 MB tunnel to it
dns(t(8, 12, 31, 0), V.ip, DROP);
web(t(8, 12, 31, 2), { ip: V.ip, method: 'POST', url: `http://${DROP}/api/upload/init`, status: 200, bytes: 612, ua: MALWARE_UA });
web(t(8, 12, 49, 40), { ip: V.ip, method: 'CONNECT', url: `${DROP}:443`, status: 200, bytes: 64_218_771, ua: MALWARE_UA });
fw(t(8, 12, 31, 5), { src: PROXY.ip, dst: '198.51.100.150', dport: 443, service: 'https', from: 'Server', to: 'Untrust', action: 'Permit', sent: 66_104_230, rcvd: 64_218_771, duration: 1075, policy: 30 });
// [11] Fri 9 Oct 19:12 the rest straight out over an old SFTP rule (SSH from the PCs to the
//      internet, once opened for a customs broker): 420 MB in one session, after hours
fw(t(9, 19, 12, 4), { src: V.ip, dst: SFTP_DROP, dport: 22, service: 'ssh', from: 'Trust', to: 'Untrust', action: 'Permit', sent: 421_506_112, rcvd: 1_882_310, duration: 2290, policy: 52 });

// ---- write
function write(rel: string, lines: Line[], head = '', foot = '') {
  const file = path.join(OUT, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  const sorted = lines.sort((a, b) => a[0] - b[0]).map((l) => l[1]);
  writeFileSync(file, `${head}${sorted.join('\n')}\n${foot}`);
  process.stdout.write(`${rel}: ${sorted.length} lines\n`);
}
write('mail/maillog.log', postfix);
write('firewall/ssg-yokohama.log', netscreen);
write('proxy/access_combined.log', squid);
write('dns/queries.log', bind);
write('dc1/security.xml', windows, '<?xml version="1.0" encoding="UTF-8"?>\n<Events>\n', '</Events>\n');
