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
};

export function errorPage(frame: Frame, status: number, message: string): string {
  const title = titles[status] ?? 'Something went wrong';
  return layout(
    frame,
    title,
    html`<section class="card">
<h1>${title}</h1>
<p>${message}</p>
<p><a href="/">Go home</a></p>
</section>`,
  );
}
