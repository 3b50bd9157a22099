import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A mail receiver for tests: an SMTP server on 127.0.0.1 speaking just enough of the protocol
 * (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS, no AUTH) to take a message
 * from OpenSearch Notifications (JavaMail), and a decoder for what such a message looks like:
 * an RFC 2047 encoded Subject and a text/plain part in base64 or quoted-printable.
 */

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  /** the text/plain part, decoded */
  text: string;
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

function bytesOfQ(s: string, underscoreIsSpace: boolean): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '_' && underscoreIsSpace) out.push(0x20);
    else out.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(out);
}

/** RFC 2047 encoded words (UTF-8, B or Q); adjacent words are joined as bytes before decoding. */
export function decodeWords(value: string): string {
  const word = /=\?utf-8\?([bq])\?([^?]*)\?=/gi;
  let out = '';
  let last = 0;
  let pending: Buffer[] = [];
  const flush = () => {
    out += Buffer.concat(pending).toString('utf8');
    pending = [];
  };
  for (let m = word.exec(value); m; m = word.exec(value)) {
    const between = value.slice(last, m.index);
    if (!(pending.length && /^\s*$/.test(between))) {
      flush();
      out += between;
    }
    pending.push(m[1]!.toLowerCase() === 'b' ? Buffer.from(m[2]!, 'base64') : bytesOfQ(m[2]!, true));
    last = m.index + m[0].length;
  }
  flush();
  return out + value.slice(last);
}

/** The Subject and the text/plain part of a MIME message (CRLF line ends, dot-stuffing removed). */
export function decodeMail(raw: string): { subject: string; text: string } {
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, headEnd).replace(/\r\n[ \t]+/g, ' ');
  const subject = decodeWords(/^Subject: (.*)$/im.exec(head)?.[1] ?? '');
  const at = raw.search(/^Content-Type: text\/plain/im);
  if (at < 0) return { subject, text: '' };
  const partStart = raw.lastIndexOf('\r\n--', at) + 2;
  const bodyStart = raw.indexOf('\r\n\r\n', at) + 4;
  const partHead = raw.slice(partStart, bodyStart).replace(/\r\n[ \t]+/g, ' ');
  const end = raw.indexOf('\r\n--', bodyStart);
  const body = raw.slice(bodyStart, end < 0 ? undefined : end);
  const cte = /^Content-Transfer-Encoding: *(\S+)/im.exec(partHead)?.[1]?.toLowerCase() ?? '7bit';
  const text =
    cte === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    : cte === 'quoted-printable' ? bytesOfQ(body.replace(/=\r\n/g, ''), false).toString('utf8')
    : body;
  return { subject, text: text.replace(/\r\n/g, '\n') };
}

export async function smtpReceiver(): Promise<SmtpReceiver> {
  const mails: Mail[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('latin1');
    let buffer = '';
    let inData = false;
    let from = '';
    let to: string[] = [];
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 127.0.0.1 test SMTP receiver');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          // the message ends with a line holding a dot; a line that starts with one was sent with two
          const end = `\r\n${buffer}`.indexOf('\r\n.\r\n');
          if (end < 0) return;
          // read as latin1, so these are the bytes: a part in 8-bit UTF-8 is decoded right
          const raw = Buffer.from(`\r\n${buffer.slice(0, end)}`.replace(/\r\n\.\./g, '\r\n.').slice(2), 'latin1').toString('utf8');
          buffer = buffer.slice(end + 3);
          inData = false;
          mails.push({ from, to, ...decodeMail(raw), raw });
          reply('250 queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-127.0.0.1\r\n250 SMTPUTF8\r\n');
        else if (verb === 'HELO' || verb === 'NOOP') reply('250 ok');
        else if (verb === 'RSET') {
          from = '';
          to = [];
          reply('250 ok');
        } else if (verb === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          to = [];
          reply('250 ok');
        } else if (verb === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('502 not implemented');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    mails,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
