import type { Account, Profile } from '../domain/account.js';
import type { Session } from '../domain/auth.js';
import type { Page } from '../domain/page.js';
import { type Post, postJson } from '../domain/post.js';

/** The one mapping from domain objects to the JSON API's shapes. */

export const isoTime = (ms: number) => new Date(ms).toISOString();

export const accountJson = (account: Account) => ({
  username: account.username,
  createdAt: isoTime(account.createdAtMs),
});

export const sessionJson = (session: Session) => ({
  account: accountJson(session.account),
  token: session.token,
});

export const profileJson = (profile: Profile) => ({
  ...accountJson(profile.account),
  followers: profile.followers,
  following: profile.following,
  posts: profile.posts,
});

export { postJson };

export const accountPageJson = (page: Page<Account>) => ({
  accounts: page.items.map(accountJson),
  next: page.next,
});

export const postPageJson = (page: Page<Post>) => ({
  posts: page.items.map(postJson),
  next: page.next,
});
