import type { Page } from '../../domain/page.js';
import { POST_MAX, type Post } from '../../domain/post.js';
import { csrfInput, type FormErrors, formError, moreLink, notice, postList } from './components.js';
import { html } from './html.js';
import { type Frame, layout } from './layout.js';

export interface ComposerState {
  text: string;
  errors: FormErrors;
  /** Fresh per rendered form, so a double-submitted form stores one post. */
  idempotencyKey: string;
}

/** The post just written, for the notice after POST-redirect-GET (the home feed shows others' posts only). */
export interface Posted {
  id: string;
}

export function homePage(
  frame: Frame & { viewer: NonNullable<Frame['viewer']> },
  feed: Page<Post>,
  composer: ComposerState,
  firstPage: boolean,
  posted?: Posted,
): string {
  const error = composer.errors.text;
  const describedBy = ['composer-count', error ? 'field-text-error' : ''].filter(Boolean).join(' ');
  const main = html`<section class="composer" aria-label="Write a post">
<form method="post" action="/posts" data-enhance="replace" data-composer>
${csrfInput(frame.csrf)}
<input type="hidden" name="idempotencyKey" value="${composer.idempotencyKey}">
<div class="field${error ? ' has-error' : ''}">
<label for="field-text">What's happening, @${frame.viewer.username}?</label>
<textarea id="field-text" name="text" rows="3" maxlength="${POST_MAX * 2}" aria-describedby="${describedBy}"${
    error ? html` aria-invalid="true"` : ''
  }>${composer.text}</textarea>
${error ? html`<p class="error" id="field-text-error" role="alert">${error}</p>` : ''}
</div>
${formError(composer.errors)}
<div class="composer-foot">
<span class="count" id="composer-count" data-max="${POST_MAX}" hidden></span>
<button type="submit" class="primary">Post</button>
</div>
</form>
</section>
${posted ? notice(html`Your post is live. <a href="/p/${posted.id}">See it</a> or <a href="/u/${frame.viewer.username}">your profile</a>.`) : ''}
<section aria-labelledby="feed-title">
<h1 id="feed-title">Home</h1>
${
  feed.items.length === 0
    ? firstPage
      ? html`<p class="empty">Your feed is empty. <a href="/people">Follow people to fill your feed</a>.</p>`
      : html`<p class="empty">No older posts.</p>`
    : postList(feed.items, { viewer: frame.viewer, csrf: frame.csrf, back: '/', now: frame.now })
}
${moreLink('/', feed.next, 'Older posts')}
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
