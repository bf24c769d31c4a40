/** GET over https with an explicit CA (Node's fetch takes none); resolves status and body text. */
import { request } from 'node:https';

export function httpsGet(
  url: string,
  opts: { ca?: Buffer; headers?: Record<string, string> } = {},
  timeoutMs = 10_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', ...(opts.ca ? { ca: opts.ca } : {}), headers: opts.headers ?? {}, signal: AbortSignal.timeout(timeoutMs) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
