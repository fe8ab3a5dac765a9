import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteContext } from '../context.js';
import { pageFrame, sendPage } from '../routes/page-helpers.js';
import { type AdminView, adminPage, adminPanel } from './view.js';

/**
 * The administrators' status page. Anyone else, signed in or not, gets the
 * ordinary not-found page, so the page's existence is not advertised.
 */
export const adminRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const admin = ctx.admin;
  const isAdmin = (request: FastifyRequest) => !!admin && !!request.viewer && admin.admins.includes(request.viewer.account.username);

  async function read(): Promise<AdminView> {
    const requests = admin!.requests.lastHour();
    if (!admin!.status) return { requests, at: Date.now(), statusError: 'this web instance has no status source' };
    try {
      return { status: await admin!.status.status(), requests, at: Date.now() };
    } catch (error) {
      return { requests, at: Date.now(), statusError: error instanceof Error ? error.message : String(error) };
    }
  }

  const refuse = (reply: FastifyReply) => reply.callNotFound();

  app.get('/admin', async (request, reply) => {
    if (!isAdmin(request)) return refuse(reply);
    const [view, frame] = await Promise.all([read(), pageFrame(request, reply)]);
    return sendPage(reply, adminPage(frame, view));
  });

  app.get('/admin/panel', async (request, reply) => {
    if (!isAdmin(request)) return refuse(reply);
    return sendPage(reply, adminPanel(await read()).value);
  });
};
