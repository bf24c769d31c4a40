/**
 * Issue 16, finding 6: the dashboard and its event stream can be put behind the cluster token
 * (`dashboardAuth`, or PROXMESH_DASHBOARD_AUTH=token, the Kubernetes default). Browsers get an HTTP
 * Basic challenge (EventSource cannot send a Bearer header); scripts may send Bearer. /healthz,
 * /readyz and /metrics stay open either way (docs/security.md says what they show).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardCredential } from '../../coordinator/plugins/dashboard.ts';
import { TOKEN, testApp } from '../coordinator/fixtures.ts';

let t: Awaited<ReturnType<typeof testApp>> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const DASHBOARD = ['/', '/dashboard/app.js', '/dashboard/vendor/vega.min.js', '/api/dashboard/state'];

describe('dashboardAuth on', () => {
  it.each([
    ['no credentials', {}],
    ['a wrong Bearer token', { authorization: `Bearer ${TOKEN}x` }],
    ['Basic with a wrong password', { authorization: basic('admin', 'guess') }],
    ['Basic with the token as the user name', { authorization: basic(TOKEN, '') }],
    ['Basic without a colon', { authorization: `Basic ${Buffer.from(TOKEN).toString('base64')}` }],
    ['a malformed header', { authorization: 'Basic !!!' }],
  ] as [string, Record<string, string>][])('%s → 401 with a Basic challenge on every dashboard route', async (_n, headers) => {
    t = await testApp({ dashboardAuth: true });
    for (const url of [...DASHBOARD, '/api/dashboard/events']) {
      const res = await t.app.inject({ url, headers });
      expect(res.statusCode, url).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="proxmesh dashboard"/);
      expect(res.json().error.code).toBe('PROXMESH_ERR_UNAUTHORIZED');
      expect(res.body).not.toContain(TOKEN);
    }
  });

  it('the token as Bearer, or as the Basic password with any user name, opens every route', async () => {
    t = await testApp({ dashboardAuth: true });
    for (const authorization of [`Bearer ${TOKEN}`, basic('anyone', TOKEN), basic('', TOKEN)]) {
      for (const url of DASHBOARD) {
        const res = await t.app.inject({ url, headers: { authorization } });
        expect([200, 404], url).toContain(res.statusCode); // 404: a vendor build not installed
        expect(res.statusCode === 401).toBe(false);
      }
    }
  });

  it('the event stream over a real socket opens with Basic credentials, as a browser sends them', async () => {
    t = await testApp({ dashboardAuth: true });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as { port: number };
    const ctl = new AbortController();
    const denied = await fetch(`http://127.0.0.1:${port}/api/dashboard/events`, { signal: AbortSignal.timeout(20_000) });
    expect(denied.status).toBe(401);
    const res = await fetch(`http://127.0.0.1:${port}/api/dashboard/events`, {
      headers: { authorization: basic('me', TOKEN) },
      signal: ctl.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await res.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toContain('retry:');
    ctl.abort();
  });

  it('probes and /metrics stay open (Prometheus and kubelet carry no token)', async () => {
    t = await testApp({ dashboardAuth: true });
    for (const url of ['/healthz', '/readyz', '/metrics']) expect((await t.app.inject(url)).statusCode, url).toBe(200);
  });
});

describe('the switch', () => {
  it('is off by default: the dashboard is open, as documented', async () => {
    t = await testApp();
    expect((await t.app.inject('/api/dashboard/state')).statusCode).toBe(200);
  });

  it("PROXMESH_DASHBOARD_AUTH=token turns it on, 'open' leaves it off, anything else is a usage error", async () => {
    t = await testApp({ env: { PROXMESH_DASHBOARD_AUTH: 'token' } });
    expect((await t.app.inject('/api/dashboard/state')).statusCode).toBe(401);
    await t.dispose();
    t = await testApp({ env: { PROXMESH_DASHBOARD_AUTH: 'open' } });
    expect((await t.app.inject('/api/dashboard/state')).statusCode).toBe(200);
    await t.dispose();
    t = null;
    for (const typo of ['true', '1', 'Token']) {
      await expect(testApp({ env: { PROXMESH_DASHBOARD_AUTH: typo } })).rejects.toMatchObject({ code: 'PROXMESH_ERR_USAGE' });
    }
  });
});

describe('dashboardCredential', () => {
  it('reads Bearer and the Basic password; nothing else', () => {
    expect(dashboardCredential(`Bearer abc`)).toBe('abc');
    expect(dashboardCredential(basic('u', 'p:with:colons'))).toBe('p:with:colons');
    expect(dashboardCredential(undefined)).toBeUndefined();
    expect(dashboardCredential('Digest x')).toBeUndefined();
    expect(dashboardCredential(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
  });
});
