import type { Post } from '../../domain/post.js';
import { postList } from './components.js';
import { html } from './html.js';
import { type Frame, layout } from './layout.js';

export function postPage(frame: Frame, post: Post): string {
  return layout(
    frame,
    `Post by @${post.author}`,
    html`<section aria-label="Post by @${post.author}">${postList([post], {
      viewer: frame.viewer,
      csrf: frame.csrf,
      back: `/u/${post.author}`,
      now: frame.now,
    })}</section>`,
  );
}
