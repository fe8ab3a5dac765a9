import { PASSWORD_MAX, PASSWORD_MIN } from '../../domain/account.js';
import type { SessionInfo } from '../../domain/auth.js';
import { isolated } from './bidi.js';
import { actionButton, csrfInput, type FormErrors, field, formError, notice, timeTag } from './components.js';
import { html } from './html.js';
import { type Frame, layout } from './layout.js';
import { type ProfileForm, profileSection } from './settings-profile.js';

/** A user agent as a person would name it: the browser and the system, not the whole string. */
export function deviceName(userAgent: string): string {
  if (userAgent === '') return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : /^curl\//.test(userAgent)
            ? 'curl'
            : undefined;
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Mac OS X|Macintosh/.test(userAgent)
        ? 'macOS'
        : /Windows/.test(userAgent)
          ? 'Windows'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : undefined;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}

function sessionList(frame: Frame, sessions: readonly SessionInfo[]) {
  return html`<ul class="sessions">${sessions.map(
    (session) => html`<li>
<div class="what">
<strong>${session.appName === '' ? deviceName(session.userAgent) : isolated(session.appName)}</strong>${session.appName === '' ? '' : html` <span class="muted">(app · ${deviceName(session.userAgent)})</span>`}${session.current ? html` <span class="badge">This device</span>` : ''}
<p class="muted">Signed in ${timeTag(session.createdAtMs, frame.now)} · last active ${timeTag(session.lastSeenMs, frame.now)}</p>
</div>
${
  session.current
    ? ''
    : actionButton(`/settings/sessions/${session.id}/revoke`, 'Revoke', frame.csrf, { kind: 'small', enhance: 'replace' })
}
</li>`,
  )}</ul>`;
}

export interface SettingsView {
  sessions: readonly SessionInfo[];
  profile: ProfileForm;
  /** The password form's messages. */
  errors: FormErrors;
  /** The account deletion form's messages. */
  deletionErrors?: FormErrors;
  /** What was just done, after POST-redirect-GET. */
  message?: string | undefined;
}

export function settingsPage(frame: Frame, view: SettingsView): string {
  const { sessions, errors, message } = view;
  const main = html`<h1>Settings</h1>
${notice(message)}
${profileSection(frame.csrf, view.profile)}
<section class="card" aria-labelledby="password-title">
<h2 id="password-title">Change password</h2>
<form method="post" action="/settings/password" novalidate>
${csrfInput(frame.csrf)}
${field({ label: 'Current password', name: 'currentPassword', type: 'password', error: errors.currentPassword, autocomplete: 'current-password' })}
${field({
  label: 'New password',
  name: 'newPassword',
  type: 'password',
  error: errors.newPassword,
  autocomplete: 'new-password',
  hint: `${PASSWORD_MIN}–${PASSWORD_MAX} characters. Your other devices will be logged out.`,
})}
${formError(errors)}
<button type="submit" class="primary">Change password</button>
</form>
</section>
<section class="card" aria-labelledby="sessions-title">
<h2 id="sessions-title">Where you're logged in</h2>
${sessionList(frame, sessions)}
<p class="muted">Don't recognise one? Revoke it, then change your password.</p>
<p>${actionButton('/settings/logout-everywhere', 'Log out everywhere', frame.csrf, { kind: 'danger' })}</p>
</section>
${dataSection(frame, view.deletionErrors ?? {})}`;
  return layout(frame, 'Settings', main);
}

/** Export (a plain download) and deletion, which asks for the password again. */
function dataSection(frame: Frame, errors: FormErrors) {
  return html`<section class="card" aria-labelledby="data-title">
<h2 id="data-title">Your data</h2>
<p>A file (JSON) of your profile, posts, follows, followers, favourites, blocks and mutes.</p>
<p><a class="button" href="/settings/export" download>Export my data</a></p>
<h3 id="delete-title">Delete your account</h3>
<p>Your profile, posts, follows, favourites, reblogs and notifications are removed for good, and you are logged out everywhere. Your username stays reserved: nobody can take it.</p>
<form method="post" action="/settings/delete-account" novalidate aria-labelledby="delete-title">
${csrfInput(frame.csrf)}
${field({ label: 'Your password', name: 'password', type: 'password', error: errors.password, autocomplete: 'current-password' })}
${formError(errors)}
<button type="submit" class="danger">Delete my account</button>
</form>
</section>`;
}
