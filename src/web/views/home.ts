import type { Page } from '../../domain/page.js';
import { POST_MAX, type Post } from '../../domain/post.js';
import { csrfInput, type FormErrors, formError, moreLink, postList } from './components.js';
import { html } from './html.js';
import { type Frame, layout } from './layout.js';

export interface ComposerState {
  text: string;
  errors: FormErrors;
  /** Fresh per rendered form, so a double-submitted form stores one post. */
  idempotencyKey: string;
}

export function homePage(frame: Frame & { viewer: NonNullable<Frame['viewer']> }, feed: Page<Post>, composer: ComposerState, firstPage: boolean): string {
  const error = composer.errors.text;
  const main = html`<section class="composer" aria-label="Write a post">
<form method="post" action="/posts">
${csrfInput(frame.csrf)}
<input type="hidden" name="idempotencyKey" value="${composer.idempotencyKey}">
<div class="field${error ? ' has-error' : ''}">
<label for="field-text">What's happening?</label>
<textarea id="field-text" name="text" rows="3" maxlength="${POST_MAX * 2}"${error ? html` aria-invalid="true" aria-describedby="field-text-error"` : ''}>${composer.text}</textarea>
${error ? html`<p class="error" id="field-text-error" role="alert">${error}</p>` : ''}
</div>
${formError(composer.errors)}
<button type="submit" class="primary">Post</button>
</form>
</section>
<section aria-label="Home feed">
<h1>Home</h1>
${
  feed.items.length === 0
    ? firstPage
      ? html`<p class="empty">Nothing here yet. <a href="/people">Follow people to fill your feed</a>.</p>`
      : html`<p class="empty">No older posts.</p>`
    : postList(feed.items, { viewer: frame.viewer, csrf: frame.csrf, back: '/' })
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
<h1>Welcome to Chorus</h1>
<p>Short posts from the people you follow, newest first.</p>
<p class="actions"><a href="/signup" class="button primary">Sign up</a> <a href="/login" class="button">Log in</a></p>
<p>Or <a href="/people">browse people</a> without an account.</p>
</section>`,
  );
}
