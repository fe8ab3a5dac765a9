import type { App } from '../../domain/auth.js';
import { isolated } from '../views/bidi.js';
import { csrfInput, type FormErrors, field, formError } from '../views/components.js';
import { html } from '../views/html.js';
import { type Frame, layout } from '../views/layout.js';

/** The log-in form of the authorize page: it posts back to the same URL, query and all. */
export function oauthLoginPage(frame: Frame, action: string, appName: string, username: string, errors: FormErrors): string {
  return layout(
    frame,
    'Log in',
    html`<section class="card">
<h1>Log in</h1>
<p><strong>${isolated(appName)}</strong> wants to use your Chorus account. Log in first.</p>
<form method="post" action="${action}" novalidate>
${csrfInput(frame.csrf)}
<input type="hidden" name="step" value="login">
${field({ label: 'Username', name: 'username', value: username, error: errors.username, autocomplete: 'username' })}
${field({ label: 'Password', name: 'password', type: 'password', error: errors.password, autocomplete: 'current-password' })}
${formError(errors)}
<button type="submit" class="primary">Log in</button>
</form>
</section>`,
  );
}

export function authorizePage(frame: Frame, action: string, app: App, scopes: readonly string[]): string {
  return layout(
    frame,
    'Authorize',
    html`<section class="card">
<h1>Authorize ${isolated(app.name)}</h1>
<p><strong>${isolated(app.name)}</strong>${app.website ? html` (${app.website})` : ''} asks for access to your account with these scopes:</p>
<ul class="scopes">${scopes.map((scope) => html`<li><code>${scope}</code></li>`)}</ul>
<form method="post" action="${action}">
${csrfInput(frame.csrf)}
<button type="submit" name="decision" value="authorize" class="primary">Authorize</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</section>`,
  );
}

export function oobCodePage(frame: Frame, app: App, code: string): string {
  return layout(
    frame,
    'Authorization code',
    html`<section class="card">
<h1>Authorization code</h1>
${
  code === ''
    ? html`<p>You denied ${isolated(app.name)} access to your account.</p>`
    : html`<p>Copy this code and paste it into ${isolated(app.name)}:</p>
<p><code class="oauth-code">${code}</code></p>`
}
</section>`,
  );
}
