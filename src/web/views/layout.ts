import type { Account } from '../../domain/account.js';
import { csrfInput } from './components.js';
import { html, type SafeHtml } from './html.js';

/** What every page's frame needs: who is looking, where, and the request's CSRF token and CSP nonce. */
export interface Frame {
  viewer: Account | null;
  csrf: string;
  /** Allows this response's one script tag under the Content-Security-Policy. */
  nonce: string;
  /** The request's path, to mark the current navigation link. */
  path: string;
  /** The path with its query, where a form on the page returns to; the path when absent. */
  url?: string;
  /** The signed-in viewer's unread notifications, for the badge; absent when not counted. */
  unread?: number | undefined;
  /** The moment times are shown relative to. */
  now: number;
}

function navLink(frame: Frame, href: string, label: string | SafeHtml, data = ''): SafeHtml {
  const current = frame.path === href ? html` aria-current="page"` : '';
  return html`<li><a href="${href}"${current}${data ? html` ${data}` : ''}>${label}</a></li>`;
}

/** Where a form on this page returns to without JavaScript. */
export const backTo = (frame: Frame): string => frame.url ?? frame.path;

/** "Notifications", with the unread count as a badge that is read out as words. */
function notificationsLink(frame: Frame): SafeHtml {
  const unread = frame.unread ?? 0;
  const shown = unread > 99 ? '99+' : String(unread);
  const label =
    unread === 0
      ? 'Notifications'
      : html`Notifications <span class="unread-badge" aria-hidden="true">${shown}</span><span class="visually-hidden">(${shown} unread)</span>`;
  return navLink(frame, '/notifications', label, 'data-notifications');
}

/**
 * The page around every view. The only script is static/app.js, allowed
 * by this response's nonce; pages work fully without it.
 */
export function layout(frame: Frame, title: string, main: SafeHtml): string {
  const { viewer } = frame;
  const nav = viewer
    ? html`${navLink(frame, '/', 'Home')}${notificationsLink(frame)}${navLink(frame, '/people', 'People')}${navLink(frame, `/u/${viewer.username}`, 'Profile')}${navLink(
        frame,
        '/settings',
        'Settings',
      )}<li><form method="post" action="/logout" class="inline">${csrfInput(frame.csrf)}<button type="submit" class="link">Log out</button></form></li>`
    : html`${navLink(frame, '/people', 'People')}${navLink(frame, '/login', 'Log in')}${navLink(frame, '/signup', 'Sign up')}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Chorus</title>
<link rel="stylesheet" href="/static/style.css">
<script type="module" src="/static/app.js" nonce="${frame.nonce}"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="bar"><a href="/" class="brand"><span class="brand-mark" aria-hidden="true">C</span>Chorus</a><nav aria-label="Main"><ul>${nav}</ul></nav></div></header>
<main id="main">
${main}
</main>
<p class="visually-hidden" role="status" aria-live="polite" id="announcer"></p>
</body>
</html>
`.value;
}
