import type { Account } from '../../domain/account.js';
import { html, type SafeHtml } from './html.js';

/** Messages for a form, keyed by field name; `form` is for the form as a whole. */
export type FormErrors = Partial<Record<string, string>>;

export const csrfInput = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

/** The exact time, as the tooltip of every relative one. */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * "3 min ago" style, as social networks show times. The page script
 * (static/app.js) keeps the same wording current while the page is open.
 */
export function relativeTime(ms: number, now: number): string {
  const seconds = Math.round((now - ms) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 7) return `${days} d ago`;
  const date = new Date(ms);
  const day = `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}`;
  return date.getUTCFullYear() === new Date(now).getUTCFullYear() ? day : `${day}, ${date.getUTCFullYear()}`;
}

export const timeTag = (ms: number, now: number) =>
  html`<time datetime="${new Date(ms).toISOString()}" title="${formatTime(ms)}" data-relative>${relativeTime(ms, now)}</time>`;

/** A coloured initial: a face for every account without storing pictures. Decorative; the name is always beside it. */
export function avatar(username: string, size: '' | 'large' = ''): SafeHtml {
  let hash = 0;
  for (const c of username) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return html`<span class="avatar hue-${hash % 8}${size ? ` ${size}` : ''}" aria-hidden="true">${username.charAt(0)}</span>`;
}

export interface FieldOptions {
  label: string;
  name: string;
  /** `textarea` for text of several lines (a bio). */
  type?: 'text' | 'password' | 'search' | 'textarea';
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
  const attributes = html`${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${
    describedBy ? html` aria-describedby="${describedBy}"` : ''
  }${options.error ? html` aria-invalid="true"` : ''}`;
  const control =
    options.type === 'textarea'
      ? html`<textarea id="${id}" name="${options.name}" rows="4"${attributes}>${options.value ?? ''}</textarea>`
      : html`<input id="${id}" name="${options.name}" type="${options.type ?? 'text'}" value="${options.value ?? ''}"${attributes}>`;
  return html`<div class="field${options.error ? ' has-error' : ''}">
<label for="${id}">${options.label}</label>
${control}
${options.hint ? html`<p class="hint" id="${hintId}">${options.hint}</p>` : ''}
${options.error ? html`<p class="error" id="${errorId}" role="alert">${options.error}</p>` : ''}
</div>`;
}

export const formError = (errors: FormErrors) => (errors.form ? html`<p class="error form-error" role="alert">${errors.form}</p>` : '');

export const notice = (message: string | SafeHtml | undefined) => (message ? html`<p class="notice" role="status">${message}</p>` : '');

/**
 * How the page script may send a form without leaving the page: `replace`
 * swaps in the main content of the page the form leads to, `remove` takes
 * the form's post off the list. Without JavaScript the form posts as usual.
 */
export type Enhance = 'replace' | 'remove' | '';

export interface ActionOptions {
  hidden?: Record<string, string>;
  kind?: string;
  enhance?: Enhance;
}

/** A one-button form for a state change (follow, delete, ...). */
export function actionButton(action: string, label: string, csrf: string, options: ActionOptions = {}): SafeHtml {
  const { hidden = {}, kind = '', enhance = '' } = options;
  return html`<form method="post" action="${action}" class="inline"${enhance ? html` data-enhance="${enhance}"` : ''}>${csrfInput(csrf)}${Object.entries(
    hidden,
  ).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<button type="submit"${
    kind ? html` class="${kind}"` : ''
  }>${label}</button></form>`;
}

export function accountList(accounts: readonly Account[]): SafeHtml {
  return html`<ul class="accounts">${accounts.map(
    (account) => html`<li>${avatar(account.username)}<div><a href="/u/${account.username}" class="name">@${account.username}</a>${
      account.displayName ? html` <bdi class="display-name">${account.displayName}</bdi>` : ''
    }
<p class="muted">Joined ${formatTime(account.createdAtMs).slice(0, 10)}</p></div></li>`,
  )}</ul>`;
}

/** The link to the next page, or nothing at the end. */
export function moreLink(path: string, next: string | null, label: string): SafeHtml | '' {
  if (next === null) return '';
  const separator = path.includes('?') ? '&' : '?';
  return html`<p class="more"><a href="${path}${separator}cursor=${encodeURIComponent(next)}" rel="next" data-more>${label}</a></p>`;
}
