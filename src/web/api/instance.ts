import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.js';
import { instanceVersion, type PublicOrigin, publicOrigin } from './urls.js';

/**
 * The Instance entity, v1 and v2 (docs.joinmastodon.org/entities/V1_Instance
 * and /entities/Instance), with the limits that are Chorus's own: 280
 * characters, no media, no polls. Counts Chorus does not keep are zero.
 */

const TITLE = 'Chorus';
const SHORT_DESCRIPTION = 'A Twitter-like social network: short public posts, following, and a home timeline.';
const DESCRIPTION = `${SHORT_DESCRIPTION} It speaks the Mastodon client API, so Mastodon apps and libraries work with it.`;
/** Chorus has no public home page yet; Mastodon's field is a string, so it is empty. */
const SOURCE_URL = '';
const LANGUAGES = ['en'];
export const MAX_CHARACTERS = 280;

function configuration(server: PublicOrigin) {
  return {
    urls: { streaming: server.streaming },
    accounts: { max_featured_tags: 0, max_pinned_statuses: 0 },
    statuses: { max_characters: MAX_CHARACTERS, max_media_attachments: 0, characters_reserved_per_url: 23 },
    media_attachments: {
      supported_mime_types: [] as string[],
      image_size_limit: 0,
      image_matrix_limit: 0,
      video_size_limit: 0,
      video_frame_rate_limit: 0,
      video_matrix_limit: 0,
    },
    polls: { max_options: 0, max_characters_per_option: 0, min_expiration: 0, max_expiration: 0 },
    translation: { enabled: false },
  };
}

const thumbnailUrl = (server: PublicOrigin) => `${server.origin}/static/thumbnail.svg`;

export function instanceV1(server: PublicOrigin) {
  const { urls, translation, ...limits } = configuration(server);
  return {
    uri: server.host,
    title: TITLE,
    short_description: SHORT_DESCRIPTION,
    description: DESCRIPTION,
    email: '',
    version: instanceVersion,
    urls: { streaming_api: urls.streaming },
    stats: { user_count: 0, status_count: 0, domain_count: 0 },
    thumbnail: thumbnailUrl(server),
    languages: LANGUAGES,
    registrations: true,
    approval_required: false,
    invites_enabled: false,
    configuration: limits,
    contact_account: null,
    rules: [],
  };
}

export function instanceV2(server: PublicOrigin) {
  return {
    domain: server.host,
    title: TITLE,
    version: instanceVersion,
    source_url: SOURCE_URL,
    description: DESCRIPTION,
    usage: { users: { active_month: 0 } },
    thumbnail: { url: thumbnailUrl(server), blurhash: null, versions: {} },
    languages: LANGUAGES,
    configuration: configuration(server),
    registrations: { enabled: true, approval_required: false, message: null, url: null },
    contact: { email: '', account: null },
    rules: [],
  };
}

/** GET /api/v1/instance, /api/v2/instance and the instance's (empty) rules: public, no token needed. */
export const instanceRoutes: FastifyPluginAsync<RouteContext> = async (app) => {
  app.get('/api/v1/instance', async (request) => instanceV1(publicOrigin(request)));
  app.get('/api/v2/instance', async (request) => instanceV2(publicOrigin(request)));
  app.get('/api/v1/instance/rules', async () => []);
};
