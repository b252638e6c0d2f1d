import { VigilError } from '../../../shared/errors.js';
import type { AppContext, VigilFastify } from '../app-context.js';

/**
 * Check ids and their owners (engine/check-owners.ts): a check id of a client belongs to the
 * first agent that reports it. An admin releases one here, e.g. after moving the check to an
 * agent at another site: the check is unknown from now until the next agent that reports the id
 * (the first to do so) confirms a state. Remove the check from the old agent's config first, or
 * that agent may take it back.
 */
export function checkOwnerRoutes(app: VigilFastify, ctx: AppContext): void {
  app.delete<{ Params: { client: string; check: string } }>('/api/v1/admin/checks/:client/:check', { config: { access: 'admin' } }, async (req) => {
    const { client, check } = req.params;
    const released = await ctx.engine.releaseCheck(client, check);
    if (!released) throw new VigilError('NOT_FOUND', `no agent owns check ${check} of client ${client}`);
    req.log.info({ client, check, owner: released.owner }, 'check id released');
    await ctx.audit(req, 'check.release', `${client}/${check}`, client, { owner: released.owner });
    return { client, check, released: released.owner };
  });
}
