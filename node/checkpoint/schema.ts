/** The checkpoint config key, composed into RunConfigSchema (node/config/schema.ts). */
import { Type } from '@sinclair/typebox';

export const CheckpointEverySchema = Type.Integer({
  minimum: 0,
  default: 0,
  description:
    'Write a checkpoint every this many iterations (0 = never). The simulator writes one file per checkpoint in <run folder>/checkpoints and keeps the newest 2; `proxmesh sim --resume RUN_DIR` continues from the newest valid one with byte-identical metrics. Not part of the config hash: it never changes results (docs/resume.md).',
});
