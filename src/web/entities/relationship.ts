import { accountId } from '../../domain/mastodon-ids.js';
import type { Relationship } from '../../domain/social.js';

/**
 * Mastodon's Relationship entity (docs.joinmastodon.org/entities/Relationship):
 * how the viewer stands to the account `relationship.target`. Follows need
 * no approval, so `requested` is always false; a Chorus mute always hides
 * the account's notifications too, so `muting_notifications` is `muting`.
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

export function mastodonRelationship(relationship: Relationship): MastodonRelationship {
  const { following, followedBy, blocking, blockedBy, muting } = relationship;
  return {
    id: accountId(relationship.target),
    following,
    // Mastodon shows the reblogs of the accounts one follows unless asked not to; Chorus cannot be asked.
    showing_reblogs: following,
    notifying: false,
    languages: null,
    followed_by: followedBy,
    blocking,
    blocked_by: blockedBy,
    muting,
    muting_notifications: muting,
    requested: false,
    requested_by: false,
    domain_blocking: false,
    endorsed: false,
    note: '',
  };
}
