/** Body of worker-bin.ts: runs `proxmesh worker` from the environment; errors as the CLI prints them. */
import { ProxmeshError, exitStatusOf } from '../errors.ts';
import { workerCommand } from './worker-command.ts';

export async function workerMain(): Promise<number> {
  try {
    return await workerCommand({}, { stderr: process.stderr });
  } catch (err) {
    if (err instanceof ProxmeshError) {
      process.stderr.write(`error ${err.code}: ${err.message}\n`);
      return exitStatusOf(err);
    }
    process.stderr.write(`error PROXMESH_ERR_INTERNAL: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
