import type { Page } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import { moreLink, notice } from './components.js';
import { type ComposerState, composer } from './composer.js';
import { html } from './html.js';
import { backTo, type Frame, layout } from './layout.js';
import { type Described, statusList } from './post.js';

export type { ComposerState } from './composer.js';

/** The post just written, for the notice after POST-redirect-GET (the home feed shows others' posts only). */
export interface Posted {
  id: string;
}

export interface HomeFeed {
  page: Page<Post>;
  described: Described;
  firstPage: boolean;
}

export function homePage(
  frame: Frame & { viewer: NonNullable<Frame['viewer']> },
  feed: HomeFeed,
  state: ComposerState,
  posted?: Posted,
): string {
  const { viewer } = frame;
  const main = html`<section class="composer" aria-label="Write a post">
${composer(state, { action: '/posts', label: html`What's happening, @${viewer.username}?`, button: 'Post', csrf: frame.csrf })}
</section>
${posted ? notice(html`Your post is live. <a href="/p/${posted.id}">See it</a> or <a href="/u/${viewer.username}">your profile</a>.`) : ''}
<section aria-labelledby="feed-title">
<h1 id="feed-title">Home</h1>
${
  feed.page.items.length === 0
    ? feed.firstPage
      ? html`<p class="empty">Your feed is empty. <a href="/people">Follow people to fill your feed</a>.</p>`
      : html`<p class="empty">No older posts.</p>`
    : statusList(feed.page.items, { viewer, csrf: frame.csrf, back: backTo(frame), now: frame.now, described: feed.described })
}
${moreLink('/', feed.page.next, 'Older posts')}
</section>`;
  return layout(frame, 'Home', main);
}

export function welcomePage(frame: Frame): string {
  return layout(
    frame,
    'Welcome',
    html`<section class="welcome">
<span class="brand-mark large" aria-hidden="true">C</span>
<h1>Welcome to Chorus</h1>
<p class="lead">Short posts from the people you follow, newest first. No ads, no algorithm.</p>
<p class="actions"><a href="/signup" class="button primary">Sign up</a> <a href="/login" class="button">Log in</a></p>
<p>Or <a href="/people">browse people</a> without an account.</p>
</section>`,
  );
}
