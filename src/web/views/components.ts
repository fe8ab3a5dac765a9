import type { Account } from '../../domain/account.js';
import type { Post } from '../../domain/post.js';
import { html, type SafeHtml } from './html.js';

/** Messages for a form, keyed by field name; `form` is for the form as a whole. */
export type FormErrors = Partial<Record<string, string>>;

export const csrfInput = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

/** A readable UTC time; relative times come later. */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export const timeTag = (ms: number) => html`<time datetime="${new Date(ms).toISOString()}">${formatTime(ms)}</time>`;

export interface FieldOptions {
  label: string;
  name: string;
  type?: 'text' | 'password' | 'search';
  /** Never pass a password back: the caller leaves this empty for secrets. */
  value?: string;
  error?: string | undefined;
  autocomplete?: string;
  hint?: string;
}

/** A labelled input with its message beside it, linked for screen readers. */
export function field(options: FieldOptions): SafeHtml {
  const id = `field-${options.name}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [options.hint ? hintId : '', options.error ? errorId : ''].filter(Boolean).join(' ');
  return html`<div class="field${options.error ? ' has-error' : ''}">
<label for="${id}">${options.label}</label>
<input id="${id}" name="${options.name}" type="${options.type ?? 'text'}" value="${options.value ?? ''}"${
    options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''
  }${describedBy ? html` aria-describedby="${describedBy}"` : ''}${options.error ? html` aria-invalid="true"` : ''}>
${options.hint ? html`<p class="hint" id="${hintId}">${options.hint}</p>` : ''}
${options.error ? html`<p class="error" id="${errorId}" role="alert">${options.error}</p>` : ''}
</div>`;
}

export const formError = (errors: FormErrors) =>
  errors.form ? html`<p class="error form-error" role="alert">${errors.form}</p>` : '';

export const notice = (message: string | undefined) =>
  message ? html`<p class="notice" role="status">${message}</p>` : '';

/** A one-button form for a state change (follow, delete, ...). */
export function actionButton(action: string, label: string, csrf: string, hidden: Record<string, string> = {}, kind = ''): SafeHtml {
  return html`<form method="post" action="${action}" class="inline">${csrfInput(csrf)}${Object.entries(hidden).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit"${kind ? html` class="${kind}"` : ''}>${label}</button></form>`;
}

export const userLink = (username: string) => html`<a href="/u/${username}">@${username}</a>`;

export interface PostListOptions {
  viewer: Account | null;
  csrf: string;
  /** Where a delete returns to. */
  back: string;
}

export function postList(posts: readonly Post[], options: PostListOptions): SafeHtml {
  return html`<ol class="posts">${posts.map(
    (post) => html`<li class="post" id="post-${post.id}">
<div class="meta">${userLink(post.author)} · <a href="/p/${post.id}" class="time">${timeTag(post.createdAtMs)}</a></div>
<p class="text">${post.text}</p>
${options.viewer?.username === post.author ? actionButton(`/posts/${post.id}/delete`, 'Delete', options.csrf, { back: options.back }, 'danger') : ''}
</li>`,
  )}</ol>`;
}

export function accountList(accounts: readonly Account[]): SafeHtml {
  return html`<ul class="accounts">${accounts.map(
    (account) => html`<li>${userLink(account.username)} <span class="muted">joined ${formatTime(account.createdAtMs).slice(0, 10)}</span></li>`,
  )}</ul>`;
}

/** The link to the next page, or nothing at the end. */
export function moreLink(path: string, next: string | null, label: string): SafeHtml | '' {
  if (next === null) return '';
  const separator = path.includes('?') ? '&' : '?';
  return html`<p class="more"><a href="${path}${separator}cursor=${encodeURIComponent(next)}" rel="next">${label}</a></p>`;
}
