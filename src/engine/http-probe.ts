import http from 'node:http';
import https from 'node:https';

/** A small GET for the local engine's own readiness checks (HTTP or HTTPS with a private CA). */
export function probeJson(url: string, o: { auth?: { username: string; password: string }; ca?: string; timeoutMs: number }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.get(
      u,
      {
        timeout: o.timeoutMs,
        ...(o.ca ? { ca: o.ca } : {}),
        ...(o.auth ? { auth: `${o.auth.username}:${o.auth.password}` } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 300) return reject(new Error(`HTTP ${res.statusCode}`));
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', reject);
  });
}
