import { BIO_MAX, DISPLAY_NAME_MAX } from '../../domain/account.js';
import { csrfInput, type FormErrors, field, formError } from './components.js';
import { html, type SafeHtml } from './html.js';

/** The profile form's values: as stored, or as typed when they were refused. */
export interface ProfileForm {
  displayName: string;
  bio: string;
  errors: FormErrors;
}

export function profileSection(csrf: string, form: ProfileForm): SafeHtml {
  return html`<section class="card" aria-labelledby="profile-title">
<h2 id="profile-title">Profile</h2>
<form method="post" action="/settings/profile" data-enhance="replace" novalidate>
${csrfInput(csrf)}
${field({
  label: 'Display name',
  name: 'displayName',
  value: form.displayName,
  error: form.errors.displayName,
  autocomplete: 'nickname',
  hint: `Shown instead of your username. Up to ${DISPLAY_NAME_MAX} characters; leave empty for none.`,
})}
${field({
  label: 'Bio',
  name: 'bio',
  type: 'textarea',
  value: form.bio,
  error: form.errors.bio,
  hint: `A few words about you, up to ${BIO_MAX} characters. Links, @mentions and #hashtags become links.`,
})}
${formError(form.errors)}
<button type="submit" class="primary">Save</button>
</form>
</section>`;
}
