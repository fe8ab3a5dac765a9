import type { Post } from '../../domain/post.js';
import type { Thread } from '../../domain/social.js';
import { isolatedPlain } from './bidi.js';
import { notice } from './components.js';
import { type ComposerState, composer } from './composer.js';
import { html, type SafeHtml } from './html.js';
import { backTo, type Frame, layout } from './layout.js';
import { type Described, nameHtml, nameOf, type StatusOptions, statusItem } from './post.js';

export interface ThreadView {
  post: Post;
  thread: Thread;
  described: Described;
  /** The reply form's state; absent for a visitor, who is asked to log in instead. */
  reply?: ComposerState;
  /** The reply just written (POST-redirect-GET), for the notice. */
  replied?: string;
}

/** Replies nest under what they answer; past this depth they line up, so a long exchange stays readable on a phone. */
const DEPTH_SHOWN = 4;

/** Each descendant's depth below the post: descendants come depth first, so a parent is always seen before its replies. */
export function depths(postId: string, descendants: readonly Post[]): Map<string, number> {
  const depth = new Map<string, number>([[postId, 0]]);
  for (const post of descendants) depth.set(post.id, (depth.get(post.inReplyToId ?? '') ?? 0) + 1);
  depth.delete(postId);
  return depth;
}

function replyForm(frame: Frame, view: ThreadView): SafeHtml {
  const { post } = view;
  if (!view.reply) {
    return html`<p class="card muted" id="reply"><a href="/login">Log in</a> to reply to @${post.author}.</p>`;
  }
  return html`<section class="composer reply" id="reply" aria-label="Write a reply">
${composer(view.reply, { action: `/p/${post.id}/reply`, label: `Reply to @${post.author}`, button: 'Reply', csrf: frame.csrf, rows: 2 })}
</section>`;
}

/** A post's page: what it answers (oldest first), the post, a reply form, and the replies. */
export function threadPage(frame: Frame, view: ThreadView): string {
  const { post, thread } = view;
  const options: StatusOptions = {
    viewer: frame.viewer,
    csrf: frame.csrf,
    back: backTo(frame),
    now: frame.now,
    described: view.described,
    focal: post.id,
  };
  const author = nameOf(post.author, view.described.accounts.get(post.author));
  const authorHtml = nameHtml(post.author, view.described.accounts.get(post.author));
  const depth = depths(post.id, thread.descendants);
  const replies = thread.descendants.map((reply) => statusItem(reply, options, `depth-${Math.min(depth.get(reply.id) ?? 1, DEPTH_SHOWN)}`));
  const main = html`<h1 class="visually-hidden">Post by ${authorHtml}</h1>
${thread.ancestors.length > 0 ? html`<ol class="posts ancestors" aria-label="Earlier in the thread">${thread.ancestors.map((p) => statusItem(p, options, 'ancestor'))}</ol>` : ''}
<ol class="posts focal-list">${statusItem(post, options, 'focal')}</ol>
${view.replied ? notice(html`Your reply is posted. <a href="#post-${view.replied}">See it</a>.`) : ''}
${replyForm(frame, view)}
<section aria-labelledby="replies-title">
<h2 id="replies-title">Replies</h2>
${replies.some((item) => item !== '') ? html`<ol class="posts replies">${replies}</ol>` : html`<p class="empty">No replies yet.</p>`}
</section>`;
  return layout(frame, `Post by ${isolatedPlain(author)}`, main);
}
