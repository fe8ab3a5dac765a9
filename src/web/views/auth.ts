import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN } from '../../domain/account.js';
import { csrfInput, type FormErrors, field, formError } from './components.js';
import { html } from './html.js';
import { type Frame, layout } from './layout.js';

/** The password is never echoed back: only the username is kept. */
export function signupPage(frame: Frame, username: string, errors: FormErrors): string {
  return layout(
    frame,
    'Sign up',
    html`<section class="card">
<h1>Sign up</h1>
<form method="post" action="/signup" novalidate>
${csrfInput(frame.csrf)}
${field({
  label: 'Username',
  name: 'username',
  value: username,
  error: errors.username,
  autocomplete: 'username',
  hint: `${USERNAME_MIN}–${USERNAME_MAX} characters: letters a-z, digits and underscores.`,
})}
${field({
  label: 'Password',
  name: 'password',
  type: 'password',
  error: errors.password,
  autocomplete: 'new-password',
  hint: `${PASSWORD_MIN}–${PASSWORD_MAX} characters, not a common password. A few unrelated words make a strong one.`,
})}
${formError(errors)}
<button type="submit" class="primary">Sign up</button>
</form>
<p>Already have an account? <a href="/login">Log in</a>.</p>
</section>`,
  );
}

export function loginPage(frame: Frame, username: string, errors: FormErrors): string {
  return layout(
    frame,
    'Log in',
    html`<section class="card">
<h1>Log in</h1>
<form method="post" action="/login" novalidate>
${csrfInput(frame.csrf)}
${field({ label: 'Username', name: 'username', value: username, error: errors.username, autocomplete: 'username' })}
${field({ label: 'Password', name: 'password', type: 'password', error: errors.password, autocomplete: 'current-password' })}
${formError(errors)}
<button type="submit" class="primary">Log in</button>
</form>
<p>New here? <a href="/signup">Sign up</a>.</p>
</section>`,
  );
}
