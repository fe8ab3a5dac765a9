import { HttpStatus } from '../errors.js';
import { html } from './html.js';
import { type Frame, layout } from './layout.js';

const titles: Record<number, string> = {
  [HttpStatus.badRequest]: 'That did not work',
  [HttpStatus.unauthorized]: 'Please log in',
  [HttpStatus.forbidden]: 'Not allowed',
  [HttpStatus.notFound]: 'Not found',
  [HttpStatus.contentTooLarge]: 'Too large',
  [HttpStatus.tooManyRequests]: 'Slow down',
  [HttpStatus.serviceUnavailable]: 'Temporarily unavailable',
  [HttpStatus.insufficientStorage]: 'Out of storage space',
};

/** `requestId` is shown on our failures, for the user to quote in a report. */
export function errorPage(frame: Frame, status: number, message: string, requestId?: string): string {
  const title = titles[status] ?? 'Something went wrong';
  return layout(
    frame,
    title,
    html`<section class="card">
<h1>${title}</h1>
<p>${message}</p>
${requestId === undefined ? '' : html`<p class="muted">If you report this, quote request id <code>${requestId}</code>.</p>`}
<p><a href="/">Go home</a></p>
</section>`,
  );
}
