import type { Account, Profile } from '../../domain/account.js';
import type { Page } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import { accountList, actionButton, avatar, formatTime, moreLink, postList } from './components.js';
import { html } from './html.js';
import { type Frame, layout } from './layout.js';

export interface ProfileView {
  profile: Profile;
  posts: Page<Post>;
  /** Whether the viewer follows this account; null when signed out or looking at yourself. */
  following: boolean | null;
  path: string;
}

const plural = (n: number, one: string, many: string) => html`<strong>${n}</strong> ${n === 1 ? one : many}`;

export function profilePage(frame: Frame, view: ProfileView): string {
  const { account } = view.profile;
  const name = account.username;
  const followButton =
    view.following === null
      ? ''
      : view.following
        ? actionButton(`/u/${name}/unfollow`, 'Unfollow', frame.csrf, { enhance: 'replace' })
        : actionButton(`/u/${name}/follow`, 'Follow', frame.csrf, { kind: 'primary', enhance: 'replace' });
  const main = html`<section class="card profile">
<div class="profile-head">
${avatar(name, 'large')}
<div class="who">
<h1>@${name}</h1>
<p class="muted">Joined ${formatTime(account.createdAtMs).slice(0, 10)}</p>
</div>
${followButton}
</div>
<p class="counts">
<a href="/u/${name}/followers">${plural(view.profile.followers, 'follower', 'followers')}</a>
<a href="/u/${name}/following"><strong>${view.profile.following}</strong> following</a>
<span>${plural(view.profile.posts, 'post', 'posts')}</span>
</p>
</section>
<section aria-labelledby="posts-title">
<h2 id="posts-title">Posts</h2>
${
  view.posts.items.length === 0
    ? html`<p class="empty">No posts${view.path.includes('cursor=') ? ' older than these' : ' yet'}.</p>`
    : postList(view.posts.items, { viewer: frame.viewer, csrf: frame.csrf, back: view.path, now: frame.now })
}
${moreLink(`/u/${name}`, view.posts.next, 'Older posts')}
</section>`;
  return layout(frame, `@${name}`, main);
}

export function followListPage(frame: Frame, username: string, which: 'followers' | 'following', page: Page<Account>): string {
  const title = which === 'followers' ? `People following @${username}` : `People @${username} follows`;
  const main = html`<section class="card">
<p><a href="/u/${username}">← @${username}</a></p>
<h1>${title}</h1>
${page.items.length === 0 ? html`<p class="empty">Nobody yet.</p>` : accountList(page.items)}
${moreLink(`/u/${username}/${which}`, page.next, 'More')}
</section>`;
  return layout(frame, title, main);
}
