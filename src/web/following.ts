import type { Profile } from '../domain/account.js';
import { PAGE_MAX } from '../domain/page.js';
import type { Social } from '../domain/social.js';

/** Beyond this many pages the button just offers "Follow", which is idempotent anyway. */
const MAX_PAGES = 20;

/**
 * Whether `follower` follows the profile's account. Social has no direct
 * question for this, so it walks the shorter of the two username-ordered
 * lists and stops as soon as it passes the name.
 */
export async function isFollowing(social: Social, follower: string, profile: Profile): Promise<boolean> {
  const followee = profile.account.username;
  const byFollowers = profile.followers <= PAGE_MAX;
  const [owner, target] = byFollowers ? [followee, follower] : [follower, followee];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = byFollowers
      ? await social.listFollowers(owner, PAGE_MAX, cursor)
      : await social.listFollowing(owner, PAGE_MAX, cursor);
    for (const account of page.items) {
      if (account.username === target) return true;
      if (account.username > target) return false;
    }
    if (page.next === null) return false;
    cursor = page.next;
  }
  return false;
}
