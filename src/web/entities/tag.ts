import { tagUrl } from './content.js';

/**
 * Mastodon's Tag entity (docs.joinmastodon.org/entities/Tag), as search and
 * /api/v1/tags answer it. Chorus keeps no daily usage figures, so
 * `history` is empty; tags cannot be followed, so `following` is false.
 */
export interface MastodonTag {
  name: string;
  url: string;
  history: unknown[];
  following: boolean;
}

export function mastodonTag(origin: string, tag: string): MastodonTag {
  return { name: tag, url: tagUrl(origin, tag), history: [], following: false };
}
