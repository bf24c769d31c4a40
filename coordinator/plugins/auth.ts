/** A preHandler that requires `Authorization: Bearer <cluster token>` (constant-time compare). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProxmeshError } from '../../node/errors.ts';
import { bearerToken, tokenMatches } from '../auth.ts';

export function requireToken(expected: string, onReject?: (reason: string) => void) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const given = bearerToken(req.headers.authorization);
    if (given === undefined) {
      onReject?.('missing-token');
      throw new ProxmeshError('PROXMESH_ERR_UNAUTHORIZED', 'missing cluster token: send "Authorization: Bearer <token>"');
    }
    if (!tokenMatches(given, expected)) {
      onReject?.('bad-token');
      throw new ProxmeshError('PROXMESH_ERR_UNAUTHORIZED', 'wrong cluster token');
    }
  };
}
