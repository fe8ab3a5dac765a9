import type { Account } from '../../domain/account.js';
import type { Post, PostView } from '../../domain/post.js';
import type { PostDescriptions } from '../../domain/social.js';
import { isolated } from './bidi.js';
import { actionButton, avatar, csrfInput, timeTag } from './components.js';
import { html, type SafeHtml } from './html.js';
import { richText } from './rich-text.js';

/**
 * A post as a list item: who wrote it (or reblogged it), what it answers,
 * its text with links, its counts and the viewer's buttons. Everything
 * besides the post itself comes from one describePosts answer per page.
 */

/** A page's describePosts answer, indexed. */
export interface Described {
  views: ReadonlyMap<string, PostView>;
  accounts: ReadonlyMap<string, Account>;
  /** The ids the page asked about: a parent among them that is missing from `views` is gone. */
  asked: ReadonlySet<string>;
}

export function described(descriptions: PostDescriptions, asked: Iterable<string>): Described {
  return {
    views: new Map(descriptions.posts.map((view) => [view.post.id, view])),
    accounts: new Map(descriptions.profiles.map((profile) => [profile.account.username, profile.account])),
    asked: new Set(asked),
  };
}

export interface StatusOptions {
  viewer: Account | null;
  csrf: string;
  /** Where a form returns to without JavaScript: the page the post is shown on. */
  back: string;
  now: number;
  described: Described;
  /** The post a thread page is about: deleting it leaves the page, so that form returns to the profile. */
  focal?: string;
}

/** What a person is called on a page: their display name, else their @username. */
export function nameOf(username: string, account: Account | undefined): string {
  return account?.displayName ? account.displayName : `@${username}`;
}

/** nameOf as markup: a display name isolated (bidi.ts), so its writing direction stays inside it. */
export function nameHtml(username: string, account: Account | undefined): SafeHtml {
  return account?.displayName ? isolated(account.displayName) : html`@${username}`;
}

function author(post: Post, options: StatusOptions): SafeHtml {
  const account = options.described.accounts.get(post.author);
  const named = Boolean(account?.displayName);
  return html`<a href="/u/${post.author}" class="author">${nameHtml(post.author, account)}</a>${
    named ? html`<span class="handle">@${post.author}</span>` : ''
  }`;
}

function replyContext(post: Post, options: StatusOptions): SafeHtml | '' {
  const parent = post.inReplyToId;
  if (parent === undefined) return '';
  const { views, asked } = options.described;
  if (asked.has(parent) && !views.has(parent)) return html`<p class="context">Replying to a deleted post</p>`;
  const to = post.inReplyToAuthor;
  return html`<p class="context">Replying to <a href="/p/${parent}">${to === undefined ? 'a post' : `@${to}`}</a></p>`;
}

function tally(count: number, one: string, many: string): SafeHtml | '' {
  if (count === 0) return '';
  return html`<span class="tally">${count}<span class="visually-hidden"> ${count === 1 ? one : many}</span></span>`;
}

/** A count in words, for a visitor who cannot act on it. */
function count(n: number, one: string, many: string): SafeHtml | '' {
  return n === 0 ? '' : html`<span class="act muted">${n} ${n === 1 ? one : many}</span>`;
}

/** A toggle as a one-button form; `on` is the state the viewer is in now. */
function toggle(view: PostView, verb: string, on: boolean, labels: [string, string], options: StatusOptions): SafeHtml {
  const id = view.post.id;
  const action = on ? `/p/${id}/un${verb}` : `/p/${id}/${verb}`;
  return html`<form method="post" action="${action}" class="inline" data-enhance="status">${csrfInput(options.csrf)}<input type="hidden" name="back" value="${options.back}"><button type="submit" class="action${
    on ? ' on' : ''
  }">${on ? labels[1] : labels[0]}</button></form>`;
}

/** Reply, Reblog and Favourite with their counts; buttons only for a signed-in viewer. */
export function actionBar(view: PostView, options: StatusOptions): SafeHtml {
  const { post } = view;
  const signedIn = options.viewer !== null;
  const own = options.viewer?.username === post.author;
  return html`<div class="post-actions" data-actions-for="${post.id}">
<span class="act"><a href="/p/${post.id}#reply" class="action">Reply</a>${tally(view.replies, 'reply', 'replies')}</span>
${
  signedIn
    ? html`<span class="act" data-act="reblog">${toggle(view, 'reblog', view.reblogged, ['Reblog', 'Undo reblog'], options)}${tally(
        view.reblogs,
        'reblog',
        'reblogs',
      )}</span>
<span class="act" data-act="favourite">${toggle(view, 'favourite', view.favourited, ['Favourite', 'Unfavourite'], options)}${tally(
        view.favourites,
        'favourite',
        'favourites',
      )}</span>`
    : html`${count(view.reblogs, 'reblog', 'reblogs')}${count(view.favourites, 'favourite', 'favourites')}`
}
${
  own
    ? html`<span class="act end">${actionButton(`/posts/${post.id}/delete`, 'Delete', options.csrf, {
        hidden: { back: post.id === options.focal ? `/u/${post.author}` : options.back },
        kind: 'danger small',
        enhance: post.id === options.focal ? '' : 'remove',
      })}</span>`
    : ''
}
</div>`;
}

/** The avatar and body of an original post (never a reblog wrapper). */
function statusBody(view: PostView, options: StatusOptions, rebloggedBy?: SafeHtml): SafeHtml {
  const { post } = view;
  return html`${avatar(post.author)}
<div class="body">
${rebloggedBy ?? ''}<div class="meta">${author(post, options)}<span aria-hidden="true">·</span><a href="/p/${post.id}" class="time">${timeTag(
    post.createdAtMs,
    options.now,
  )}</a></div>
${replyContext(post, options)}<p class="text" dir="auto">${richText(post.text, { mentions: post.mentions ?? [] })}</p>
${actionBar(view, options)}
</div>`;
}

/**
 * One post as a list item, or nothing when it (or a reblog's original)
 * was deleted after the page was listed. `extraClass` marks a thread's
 * parts (the focal post, a reply's depth).
 */
export function statusItem(post: Post, options: StatusOptions, extraClass = ''): SafeHtml | '' {
  const { views, accounts } = options.described;
  const view = views.get(post.id);
  if (view === undefined) return '';
  const classes = `post${extraClass ? ` ${extraClass}` : ''}`;
  if (view.post.reblogOf === undefined) {
    return html`<li class="${classes}" id="post-${post.id}">
${statusBody(view, options)}
</li>`;
  }
  const original = views.get(view.post.reblogOf);
  if (original === undefined) return '';
  const by = html`<p class="context reblogged"><a href="/u/${post.author}">${nameHtml(post.author, accounts.get(post.author))}</a> reblogged</p>`;
  return html`<li class="${classes} reblog" id="post-${post.id}">
${statusBody(original, options, by)}
</li>`;
}

export function statusList(posts: readonly Post[], options: StatusOptions, className = 'posts'): SafeHtml {
  return html`<ol class="${className}">${posts.map((post) => statusItem(post, options))}</ol>`;
}
