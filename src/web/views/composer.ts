import { POST_MAX } from '../../domain/post.js';
import { csrfInput, type FormErrors, formError } from './components.js';
import { html, type SafeHtml } from './html.js';

export interface ComposerState {
  text: string;
  errors: FormErrors;
  /** Fresh per rendered form, so a double-submitted form stores one post. */
  idempotencyKey: string;
}

export interface ComposerOptions {
  action: string;
  label: string | SafeHtml;
  button: string;
  csrf: string;
  /** Rows of the text box: a reply is usually shorter than a post. */
  rows?: number;
}

/**
 * The one text box that writes a post (home) or a reply (a post's page).
 * Only one per page: the page script finds it by `data-composer` and its
 * characters-left count by id.
 */
export function composer(state: ComposerState, options: ComposerOptions): SafeHtml {
  const error = state.errors.text;
  const describedBy = ['composer-count', error ? 'field-text-error' : ''].filter(Boolean).join(' ');
  return html`<form method="post" action="${options.action}" data-enhance="replace" data-composer>
${csrfInput(options.csrf)}
<input type="hidden" name="idempotencyKey" value="${state.idempotencyKey}">
<div class="field${error ? ' has-error' : ''}">
<label for="field-text">${options.label}</label>
<textarea id="field-text" name="text" rows="${options.rows ?? 3}" maxlength="${POST_MAX * 2}" aria-describedby="${describedBy}"${
    error ? html` aria-invalid="true"` : ''
  }>${state.text}</textarea>
${error ? html`<p class="error" id="field-text-error" role="alert">${error}</p>` : ''}
</div>
${formError(state.errors)}
<div class="composer-foot">
<span class="count" id="composer-count" data-max="${POST_MAX}" hidden></span>
<button type="submit" class="primary">${options.button}</button>
</div>
</form>`;
}
