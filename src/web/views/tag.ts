import type { Page } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import { moreLink } from './components.js';
import { html } from './html.js';
import { backTo, type Frame, layout } from './layout.js';
import { type Described, statusList } from './post.js';

export interface TagView {
  tag: string;
  page: Page<Post>;
  described: Described;
  firstPage: boolean;
}

/** Everyone's posts with a hashtag, newest first. */
export function tagPage(frame: Frame, view: TagView): string {
  const { tag, page } = view;
  const main = html`<section aria-labelledby="tag-title">
<h1 id="tag-title">#${tag}</h1>
${
  page.items.length === 0
    ? html`<p class="empty">${view.firstPage ? html`No posts with #${tag} yet.` : 'No older posts.'}</p>`
    : statusList(page.items, { viewer: frame.viewer, csrf: frame.csrf, back: backTo(frame), now: frame.now, described: view.described })
}
${moreLink(`/tags/${tag}`, page.next, 'Older posts')}
</section>`;
  return layout(frame, `#${tag}`, main);
}
