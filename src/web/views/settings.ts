import { PASSWORD_MAX, PASSWORD_MIN } from '../../domain/account.js';
import { actionButton, csrfInput, field, type FormErrors, formError, notice } from './components.js';
import { html } from './html.js';
import { type Frame, layout } from './layout.js';

export function settingsPage(frame: Frame, errors: FormErrors, message?: string): string {
  const main = html`<section class="card">
<h1>Settings</h1>
${notice(message)}
<h2>Change password</h2>
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
<h2>Sessions</h2>
<p>Log out on every device, including this one.</p>
${actionButton('/settings/logout-everywhere', 'Log out everywhere', frame.csrf, {}, 'danger')}
</section>`;
  return layout(frame, 'Settings', main);
}
