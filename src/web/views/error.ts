import { html } from './html.js';
import { type Frame, layout } from './layout.js';

const titles: Record<number, string> = {
  400: 'That did not work',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Not found',
  413: 'Too large',
  429: 'Slow down',
  503: 'Temporarily unavailable',
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
