import type { Account } from '../../domain/account.js';
import { csrfInput } from './components.js';
import { html, type SafeHtml } from './html.js';

/** What every page's frame needs: who is looking, and a CSRF token for the log-out form. */
export interface Frame {
  viewer: Account | null;
  csrf: string;
}

export function layout(frame: Frame, title: string, main: SafeHtml): string {
  const { viewer } = frame;
  const nav = viewer
    ? html`<a href="/">Home</a>
        <a href="/people">People</a>
        <a href="/u/${viewer.username}">@${viewer.username}</a>
        <a href="/settings">Settings</a>
        <form method="post" action="/logout" class="inline">${csrfInput(frame.csrf)}<button type="submit" class="link">Log out</button></form>`
    : html`<a href="/people">People</a> <a href="/login">Log in</a> <a href="/signup">Sign up</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Chorus</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header class="site"><a href="/" class="brand">Chorus</a><nav>${nav}</nav></header>
<main>
${main}
</main>
</body>
</html>
`.value;
}
