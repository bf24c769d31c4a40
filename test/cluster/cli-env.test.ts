/** The worker's environment parsing (node/cluster/cli-env.ts, worker-command.ts): every bad value is a usage error. */
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { firstLine, intFromEnv, ordinalFromHostname, parseListen, tokenFromEnv } from '../../node/cluster/cli-env.ts';
import { workerCommand } from '../../node/cluster/worker-command.ts';

const io = { stderr: { write: () => true } as unknown as NodeJS.WritableStream };

describe('cluster command environment', () => {
  it('firstLine: the coordinator URL a parent writes on stdin, in pieces; EOF first or an endless line is PROXMESH_ERR_USAGE', async () => {
    const s = new PassThrough();
    const line = firstLine(s);
    s.write('ws://127.0.0.1:4');
    s.write('1234/control\nrest');
    await expect(line).resolves.toBe('ws://127.0.0.1:41234/control');
    const eof = new PassThrough();
    const early = firstLine(eof);
    eof.end('ws://half');
    await expect(early).rejects.toMatchObject({ code: 'PROXMESH_ERR_USAGE', message: expect.stringContaining('stdin ended') });
    const long = new PassThrough();
    const over = firstLine(long);
    long.write('x'.repeat(5000));
    await expect(over).rejects.toMatchObject({ code: 'PROXMESH_ERR_USAGE', message: expect.stringContaining('4096') });
  });
  it('parseListen: host:port, IPv6 in brackets, port 0; bad forms are PROXMESH_ERR_USAGE', () => {
    expect(parseListen('0.0.0.0:7070', 'x')).toEqual({ host: '0.0.0.0', port: 7070 });
    expect(parseListen('[::1]:0', 'x')).toEqual({ host: '::1', port: 0 });
    for (const bad of ['7070', 'host:', 'host:65536', ':80', 'a:b']) {
      expect(() => parseListen(bad, '--listen')).toThrow(
        expect.objectContaining({ code: 'PROXMESH_ERR_USAGE', message: expect.stringContaining('--listen') }),
      );
    }
  });
  it('ordinalFromHostname takes the StatefulSet suffix', () => {
    expect(ordinalFromHostname('proxmesh-worker-12')).toBe(12);
    expect(() => ordinalFromHostname('worker')).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_USAGE' }));
  });
  it('intFromEnv: unset/empty → undefined, integers ≥ 0, anything else is a usage error naming the variable', () => {
    expect(intFromEnv({}, 'PROXMESH_PEER_TIMEOUT_MS')).toBeUndefined();
    expect(intFromEnv({ A: '' }, 'A')).toBeUndefined();
    expect(intFromEnv({ A: '1500' }, 'A')).toBe(1500);
    for (const bad of ['-1', '1.5', 'abc', '1e400']) {
      expect(() => intFromEnv({ A: bad }, 'A')).toThrow(
        expect.objectContaining({ code: 'PROXMESH_ERR_USAGE', message: expect.stringContaining('A must be') }),
      );
    }
  });
  it('the token comes from PROXMESH_TOKEN only', () => {
    expect(tokenFromEnv({ PROXMESH_TOKEN: 's3cret' })).toBe('s3cret');
    expect(() => tokenFromEnv({})).toThrow(expect.objectContaining({ code: 'PROXMESH_ERR_USAGE' }));
  });
  it('workerCommand rejects a missing coordinator, token, or a bad ordinal before connecting', async () => {
    await expect(workerCommand({}, io, { PROXMESH_TOKEN: 't' })).rejects.toMatchObject({
      code: 'PROXMESH_ERR_USAGE',
      message: expect.stringContaining('--coordinator'),
    });
    await expect(workerCommand({}, io, { PROXMESH_COORDINATOR: 'ws://127.0.0.1:1/control' })).rejects.toMatchObject({
      code: 'PROXMESH_ERR_USAGE',
      message: expect.stringContaining('PROXMESH_TOKEN'),
    });
    await expect(
      workerCommand({}, io, { PROXMESH_COORDINATOR: 'ws://127.0.0.1:1/control', PROXMESH_TOKEN: 't', PROXMESH_ORDINAL: 'x' }),
    ).rejects.toMatchObject({ code: 'PROXMESH_ERR_USAGE' });
    await expect(
      workerCommand({}, io, { PROXMESH_COORDINATOR: 'ws://127.0.0.1:1/control', PROXMESH_TOKEN: 't', PROXMESH_LISTEN: 'nope' }),
    ).rejects.toMatchObject({ code: 'PROXMESH_ERR_USAGE' });
  });
});
