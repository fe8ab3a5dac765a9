import { statusId } from '../../domain/mastodon-ids.js';
import { postTime } from '../../domain/post.js';

/**
 * Mastodon's Marker entity (docs.joinmastodon.org/entities/Marker) for the
 * notifications timeline. Chorus keeps the marker as the last read id
 * only, so `updated_at` is the time of that notification (ids carry their
 * time) and `version`, Mastodon's optimistic-lock counter that no client
 * sends back, is 0.
 */
export interface MastodonMarker {
  last_read_id: string;
  version: number;
  updated_at: string;
}

export function mastodonMarker(lastReadId: string): MastodonMarker {
  return { last_read_id: statusId(lastReadId), version: 0, updated_at: new Date(postTime(lastReadId)).toISOString() };
}
