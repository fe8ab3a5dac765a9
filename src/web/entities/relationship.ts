import { accountId } from '../../domain/mastodon-ids.js';

/**
 * Mastodon's Relationship entity (docs.joinmastodon.org/entities/Relationship):
 * how the viewer stands to the account `username`. Chorus has follows
 * only, so everything else is false; follows need no approval, so
 * `requested` is always false.
 */
export interface MastodonRelationship {
  id: string;
  following: boolean;
  showing_reblogs: boolean;
  notifying: boolean;
  languages: string[] | null;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
  muting_notifications: boolean;
  requested: boolean;
  requested_by: boolean;
  domain_blocking: boolean;
  endorsed: boolean;
  note: string;
}

export function mastodonRelationship(username: string, following: boolean, followedBy: boolean): MastodonRelationship {
  return {
    id: accountId(username),
    following,
    // Mastodon shows reblogs of accounts one follows by default; Chorus has no reblogs to hide.
    showing_reblogs: following,
    notifying: false,
    languages: null,
    followed_by: followedBy,
    blocking: false,
    blocked_by: false,
    muting: false,
    muting_notifications: false,
    requested: false,
    requested_by: false,
    domain_blocking: false,
    endorsed: false,
    note: '',
  };
}
