/**
 * Network faults injected from the host into one container's network namespace (nsenter; needs root
 * on the host, nothing inside the shell-less image). The kernel here has no netem, so: loss with an
 * nft `numgen random` drop rule, bandwidth with a tbf qdisc, partition with a network disconnect.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Cluster } from './cluster.ts';

const run = promisify(execFile);
const TABLE = 'proxmesh_chaos';

export async function containerPid(c: Cluster, id: string): Promise<number> {
  const info = await c.docker.getContainer(id).inspect();
  if (!info.State.Running || !info.State.Pid) throw new Error(`container ${id} is not running`);
  return info.State.Pid;
}

/** Runs a command in the network namespace of process `pid`. */
export async function inNetns(pid: number, args: readonly string[]): Promise<string> {
  const { stdout } = await run('nsenter', ['-t', String(pid), '-n', ...args], { timeout: 10_000 });
  return stdout;
}

/** The interface holding `ip` in that namespace (e.g. eth1: a worker is also on the default bridge). */
export async function interfaceWithIp(pid: number, ip: string): Promise<string> {
  const out = await inNetns(pid, ['ip', '-o', '-4', 'addr', 'show']);
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+(\S+?)(?:@\S+)?\s+inet\s+([\d.]+)\//.exec(line);
    if (m && m[2] === ip) return m[1];
  }
  throw new Error(`no interface with ${ip} in netns of pid ${pid}:\n${out}`);
}

/** Drops `percent`% of packets, chosen at random, in and out of `iface`. */
export async function addPacketLoss(pid: number, iface: string, percent: number): Promise<void> {
  await inNetns(pid, [
    'nft',
    `add table inet ${TABLE}; ` +
      `add chain inet ${TABLE} in { type filter hook input priority 0; policy accept; }; ` +
      `add chain inet ${TABLE} out { type filter hook output priority 0; policy accept; }; ` +
      `add rule inet ${TABLE} in iifname "${iface}" numgen random mod 100 < ${percent} counter drop; ` +
      `add rule inet ${TABLE} out oifname "${iface}" numgen random mod 100 < ${percent} counter drop`,
  ]);
}

/** Packets dropped so far by the loss rules (in + out). */
export async function droppedPackets(pid: number): Promise<number> {
  const out = await inNetns(pid, ['nft', 'list', 'table', 'inet', TABLE]);
  return [...out.matchAll(/counter packets (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
}

export async function removePacketLoss(pid: number): Promise<void> {
  await inNetns(pid, ['nft', 'delete', 'table', 'inet', TABLE]);
}

/**
 * Whether the network namespace of `pid` is gone: the worker finished its run and its container
 * exited between removing a fault and checking the removal (seen in CI). A namespace that no longer
 * exists holds no rule and no qdisc.
 */
export function netnsGone(pid: number): boolean {
  return !existsSync(`/proc/${pid}/ns/net`);
}

/** Whether the chaos table is present (to check the fault was removed); false when the namespace is gone. */
export async function hasPacketLoss(pid: number): Promise<boolean> {
  try {
    const out = await inNetns(pid, ['nft', 'list', 'tables']);
    return out.includes(TABLE);
  } catch (err) {
    if (netnsGone(pid)) return false;
    throw err;
  }
}

/** Caps egress of `iface` with a token bucket: `rate` e.g. "256kbit". */
export async function addBandwidthCap(pid: number, iface: string, rate: string): Promise<void> {
  await inNetns(pid, ['tc', 'qdisc', 'add', 'dev', iface, 'root', 'tbf', 'rate', rate, 'burst', '4kb', 'latency', '400ms']);
}

/** `tc -s` statistics of the root qdisc: bytes sent through it and times the bucket was empty. */
export async function bandwidthCapStats(pid: number, iface: string): Promise<{ kind: string; sentBytes: number; overlimits: number }> {
  const out = await inNetns(pid, ['tc', '-s', 'qdisc', 'show', 'dev', iface]);
  const kind = /qdisc (\S+)/.exec(out)?.[1] ?? '';
  const sent = /Sent (\d+) bytes/.exec(out);
  const over = /overlimits (\d+)/.exec(out);
  return { kind, sentBytes: sent ? Number(sent[1]) : 0, overlimits: over ? Number(over[1]) : 0 };
}

export async function removeBandwidthCap(pid: number, iface: string): Promise<void> {
  await inNetns(pid, ['tc', 'qdisc', 'del', 'dev', iface, 'root']);
}

/** Cuts a worker off the cluster network; existing TCP connections stall silently (no close event). */
export async function disconnectWorker(c: Cluster, i: number): Promise<void> {
  await c.docker.getNetwork(c.networkId).disconnect({ Container: c.workers[i].getId(), Force: true });
}

/** Reconnects it with its alias and its old IP (the alias is not restored by Docker by itself). */
export async function reconnectWorker(c: Cluster, i: number): Promise<void> {
  await c.docker.getNetwork(c.networkId).connect({
    Container: c.workers[i].getId(),
    EndpointConfig: { Aliases: [`worker-${i}`], IPAMConfig: { IPv4Address: c.workerIps[i] } },
  });
}

/**
 * Caps each directed link separately (the simulated clock's per-link model, docs/clock.md): an htb
 * root whose default class (everything else, e.g. the coordinator) is uncapped, and one class of
 * `rateBit` bit/s per peer IP, selected by destination address. `burstBytes` bounds what an idle
 * class may send at line rate (keep it small against a frame).
 */
export async function addPerPeerCaps(
  pid: number,
  iface: string,
  peerIps: readonly string[],
  rateBit: number,
  burstBytes: number,
): Promise<void> {
  await inNetns(pid, ['tc', 'qdisc', 'add', 'dev', iface, 'root', 'handle', '1:', 'htb', 'default', '99']);
  await inNetns(pid, ['tc', 'class', 'add', 'dev', iface, 'parent', '1:', 'classid', '1:99', 'htb', 'rate', '10gbit']);
  for (const [k, ip] of peerIps.entries()) {
    const id = `1:${10 + k}`;
    await inNetns(pid, [
      'tc',
      'class',
      'add',
      'dev',
      iface,
      'parent',
      '1:',
      'classid',
      id,
      'htb',
      'rate',
      `${rateBit}bit`,
      'ceil',
      `${rateBit}bit`,
      'burst',
      `${burstBytes}b`,
      'cburst',
      `${burstBytes}b`,
    ]);
    await inNetns(pid, [
      'tc',
      'filter',
      'add',
      'dev',
      iface,
      'parent',
      '1:',
      'protocol',
      'ip',
      'prio',
      '1',
      'u32',
      'match',
      'ip',
      'dst',
      `${ip}/32`,
      'flowid',
      id,
    ]);
  }
}

/** Bytes sent through each per-peer class (1:10, 1:11, …), in peer order. */
export async function perPeerSentBytes(pid: number, iface: string, peers: number): Promise<number[]> {
  const out = await inNetns(pid, ['tc', '-s', 'class', 'show', 'dev', iface]);
  return Array.from({ length: peers }, (_, k) => {
    const m = new RegExp(`class htb 1:${10 + k} [\\s\\S]*?Sent (\\d+) bytes`).exec(out);
    return m ? Number(m[1]) : 0;
  });
}
