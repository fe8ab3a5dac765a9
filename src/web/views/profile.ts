import type { Account, Profile } from '../../domain/account.js';
import type { Page } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import type { Relationship } from '../../domain/social.js';
import { isolated, isolatedPlain } from './bidi.js';
import { accountList, actionButton, avatar, formatTime, moreLink } from './components.js';
import { html, type SafeHtml } from './html.js';
import { backTo, type Frame, layout } from './layout.js';
import { type Described, statusList } from './post.js';
import { richText } from './rich-text.js';

export interface ProfileView {
  profile: Profile;
  posts: Page<Post>;
  described: Described;
  /** How the viewer relates to this account; null when signed out or looking at yourself. */
  relationship: Relationship | null;
  path: string;
}

const plural = (n: number, one: string, many: string) => html`<strong>${n}</strong> ${n === 1 ? one : many}`;

/** Follow, Block and Mute, each showing the way back once done. */
function relationButtons(name: string, relation: Relationship, csrf: string): SafeHtml {
  const button = (verb: string, label: string, kind = '') => actionButton(`/u/${name}/${verb}`, label, csrf, { kind, enhance: 'replace' });
  // Follows are refused across a block either way, so the button would only lead to an error.
  const follow =
    relation.blocking || relation.blockedBy
      ? ''
      : relation.following
        ? button('unfollow', 'Unfollow')
        : button('follow', 'Follow', 'primary');
  return html`<div class="profile-actions">${follow}${relation.muting ? button('unmute', 'Unmute') : button('mute', 'Mute')}${
    relation.blocking ? button('unblock', 'Unblock') : button('block', 'Block', 'danger')
  }</div>`;
}

function relationNotice(name: string, relation: Relationship | null): SafeHtml | '' {
  if (relation?.blocking) {
    return html`<p class="notice" role="status">You block @${name}. You don't see each other's posts, and neither of you can follow or reply to the other.</p>`;
  }
  if (relation?.muting)
    return html`<p class="notice" role="status">You mute @${name}. Their posts and notifications are hidden from you.</p>`;
  return '';
}

export function profilePage(frame: Frame, view: ProfileView): string {
  const { account } = view.profile;
  const name = account.username;
  const relation = view.relationship;
  const hidden = relation !== null && (relation.blocking || relation.blockedBy);
  const older = view.path.includes('cursor=');
  const main = html`<section class="card profile">
<div class="profile-head">
${avatar(name, 'large')}
<div class="who">
<h1>${account.displayName ? isolated(account.displayName) : `@${name}`}</h1>
${account.displayName ? html`<p class="handle">@${name}</p>` : ''}
<p class="muted">Joined ${formatTime(account.createdAtMs).slice(0, 10)}</p>
</div>
${relation === null ? '' : relationButtons(name, relation, frame.csrf)}
</div>
${account.bio ? html`<p class="bio" dir="auto">${richText(account.bio)}</p>` : ''}
<p class="counts">
<a href="/u/${name}/followers">${plural(view.profile.followers, 'follower', 'followers')}</a>
<a href="/u/${name}/following"><strong>${view.profile.following}</strong> following</a>
<span>${plural(view.profile.posts, 'post', 'posts')}</span>
</p>
</section>
${relationNotice(name, relation)}
<section aria-labelledby="posts-title">
<h2 id="posts-title">Posts</h2>
${
  view.posts.items.length === 0
    ? html`<p class="empty">${hidden ? 'Posts are hidden.' : `No posts${older ? ' older than these' : ' yet'}.`}</p>`
    : statusList(view.posts.items, {
        viewer: frame.viewer,
        csrf: frame.csrf,
        back: backTo(frame),
        now: frame.now,
        described: view.described,
      })
}
${moreLink(`/u/${name}`, view.posts.next, 'Older posts')}
</section>`;
  return layout(frame, account.displayName ? `${isolatedPlain(account.displayName)} (@${name})` : `@${name}`, main);
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
