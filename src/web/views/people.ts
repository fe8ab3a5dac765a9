import type { Account } from '../../domain/account.js';
import { accountList, field } from './components.js';
import { html } from './html.js';
import { type Frame, layout } from './layout.js';

export function peoplePage(frame: Frame, query: string, accounts: readonly Account[], error?: string): string {
  const main = html`<h1>People</h1>
<form method="get" action="/people" class="search" role="search">
${field({ label: 'Username starts with', name: 'q', type: 'search', value: query, error })}
<button type="submit">Search</button>
</form>
<section class="card" aria-label="${query ? 'Search results' : 'Everyone'}">
${
  error
    ? html`<p class="muted">Fix the search above to see people.</p>`
    : accounts.length === 0
      ? html`<p class="empty">Nobody${query ? html` whose username starts with “${query}”` : ''} yet.</p>`
      : accountList(accounts)
}
</section>`;
  return layout(frame, 'People', main);
}
