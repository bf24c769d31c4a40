/** The checkpoint config key, composed into RunConfigSchema (node/config/schema.ts). */
import { Type } from '@sinclair/typebox';

export const CheckpointEverySchema = Type.Integer({
  minimum: 0,
  default: 0,
  description:
    "Write a checkpoint every this many iterations (0 = never). The simulator writes one file per checkpoint in <run folder>/checkpoints and keeps the newest 2; a cluster writes one per node (in the worker's PROXMESH_CHECKPOINT_DIR, the run folder for `proxmesh run`) and one for the coordinator. `proxmesh sim --resume RUN_DIR` and `proxmesh run --resume RUN_DIR` continue from the newest valid one with byte-identical metrics, `proxmesh run` restarts lost workers from it, and `proxmesh coordinator` heals the run in place when a worker is lost (and resumes it when restarted). Not part of the config hash: it never changes results (docs/resume.md).",
});
