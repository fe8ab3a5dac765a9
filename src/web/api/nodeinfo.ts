import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.js';
import { CHORUS_VERSION, publicOrigin } from './urls.js';

/**
 * NodeInfo discovery (nodeinfo.diaspora.software): the well-known document
 * points at the 2.0 schema by absolute URL. megalodon's detector follows
 * the 2.0 (or 2.1) link and accepts a server whose `software.name` it does
 * not know when `metadata.upstream.name` is "mastodon".
 */

export const NODEINFO_20_SCHEMA = 'http://nodeinfo.diaspora.software/ns/schema/2.0';

export const nodeinfoRoutes: FastifyPluginAsync<RouteContext> = async (app) => {
  app.get('/.well-known/nodeinfo', async (request) => ({
    links: [{ rel: NODEINFO_20_SCHEMA, href: `${publicOrigin(request).origin}/nodeinfo/2.0` }],
  }));

  app.get('/nodeinfo/2.0', async (_request, reply) => {
    reply.type(`application/json; profile="${NODEINFO_20_SCHEMA}#"; charset=utf-8`);
    return {
      version: '2.0',
      software: { name: 'chorus', version: CHORUS_VERSION },
      protocols: [],
      services: { inbound: [], outbound: [] },
      openRegistrations: true,
      // Chorus keeps no counts; the schema makes each figure optional.
      usage: { users: {} },
      metadata: { nodeName: 'Chorus', upstream: { name: 'mastodon' } },
    };
  });
};
