// The page script of Chorus. Everything here is an enhancement: every page
// and form works without it, and any failure below falls back to the plain
// form post or link. It is loaded by a nonce under a strict CSP, so it must
// never create inline scripts, style attributes or event-handler attributes.

import { relativeTime } from './relative-time.js';

const announcer = document.getElementById('announcer');

/** Tells screen-reader users what changed when the page did not reload. */
function announce(text) {
  if (!announcer) return;
  announcer.textContent = '';
  setTimeout(() => (announcer.textContent = text), 50);
}

// --- Relative times, kept current while the page is open.

function refreshTimes(root = document) {
  const now = Date.now();
  for (const time of root.querySelectorAll('time[data-relative]')) {
    const ms = Date.parse(time.dateTime);
    if (!Number.isNaN(ms)) time.textContent = relativeTime(ms, now);
  }
}

// --- The composer: characters left, and no way to send more than the limit.

/** Counted as the server counts: code points, after trimming, with CRLF as one newline. */
const postLength = (text) => [...text.replace(/\r\n?/g, '\n').trim()].length;

function setUpComposer(root = document) {
  const form = root.querySelector('form[data-composer]');
  if (!form) return;
  const textarea = form.querySelector('textarea');
  const count = form.querySelector('.count');
  const button = form.querySelector('button[type=submit]');
  const max = Number(count.dataset.max);
  const update = () => {
    const left = max - postLength(textarea.value);
    const n = Math.abs(left);
    count.textContent = `${n} character${n === 1 ? '' : 's'} ${left >= 0 ? 'left' : 'too many'}`;
    count.classList.toggle('over', left < 0);
    button.disabled = left < 0;
    if (left < 0) textarea.setAttribute('aria-invalid', 'true');
    else if (!form.querySelector('.error')) textarea.removeAttribute('aria-invalid');
  };
  count.hidden = false;
  textarea.addEventListener('input', update);
  textarea.addEventListener('keydown', (event) => {
    // Ctrl+Enter or Cmd+Enter posts, as on other social networks.
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  update();
}

// --- Forms that change something without leaving the page.

const parse = (text) => new DOMParser().parseFromString(text, 'text/html');

function focusOn(element) {
  if (!element) return;
  if (!element.matches('a, button, input, textarea, select')) element.setAttribute('tabindex', '-1');
  element.focus();
}

/** Takes the unread count in the navigation from another page: every answer knows the newest count. */
function refreshUnread(doc) {
  const next = doc.querySelector('header a[data-notifications]');
  const here = document.querySelector('header a[data-notifications]');
  if (next && here) here.replaceChildren(...[...next.childNodes].map((node) => document.importNode(node, true)));
}

/** Marks the navigation link of the page now shown. */
function markCurrentLink() {
  for (const link of document.querySelectorAll('header nav a')) {
    if (link.pathname === location.pathname) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** Puts the main content of another page in place of this one's, as if navigated there. */
function swapMain(doc, url) {
  const next = doc.querySelector('main');
  if (!next) throw new Error('not a page');
  const main = document.querySelector('main');
  main.replaceWith(document.importNode(next, true));
  document.title = doc.title;
  refreshUnread(doc);
  const target = new URL(url);
  if (target.pathname !== location.pathname) {
    history.pushState(null, '', target.pathname + target.search);
    markCurrentLink();
  }
  const fresh = document.querySelector('main');
  refreshTimes(fresh);
  setUpComposer(fresh);
  return fresh;
}

async function send(form, body = new URLSearchParams(new FormData(form))) {
  const response = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin' });
  if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
  return response;
}

async function submitInPlace(form) {
  const mode = form.dataset.enhance;
  const action = new URL(form.action).pathname;
  const response = await send(form);
  const doc = parse(await response.text());
  if (mode === 'remove' && response.ok) {
    const item = form.closest('li');
    const list = item.parentElement;
    const next = item.nextElementSibling ?? item.previousElementSibling;
    item.remove();
    if (list.children.length === 0) {
      swapMain(doc, response.url);
      focusOn(document.querySelector('main h1, main h2'));
    } else {
      focusOn(next.querySelector('a'));
    }
    announce('Post deleted.');
    return;
  }
  const fresh = swapMain(doc, response.url);
  const invalid = fresh.querySelector('[aria-invalid="true"]');
  const notice = fresh.querySelector('.notice');
  if (invalid) {
    focusOn(invalid);
  } else if (form.dataset.composer !== undefined) {
    focusOn(fresh.querySelector('form[data-composer] textarea'));
  } else {
    // The same button, or the one that undoes it (Follow and Unfollow, Block and Unblock, ...).
    const undo = action.replace(/\/(un)?([a-z]+)$/, (_, un, verb) => (un ? `/${verb}` : `/un${verb}`));
    const same = [...fresh.querySelectorAll('form')].find((f) => [action, undo].includes(new URL(f.action).pathname));
    focusOn(same?.querySelector('button') ?? fresh.querySelector('.profile-head button') ?? fresh.querySelector('h1'));
  }
  announce(notice?.textContent.trim() ?? document.activeElement?.textContent?.trim() ?? '');
}

const reacted = { favourite: 'Favourited.', unfavourite: 'Favourite removed.', reblog: 'Reblogged.', unreblog: 'Reblog undone.' };

/**
 * Favourite and Reblog: asks for the post's own page (which surely shows
 * it, wherever this copy came from) and takes the new button and count
 * from it, for every copy of the post on this page. Nothing else moves.
 */
async function reactInPlace(form) {
  const bar = form.closest('[data-actions-for]');
  const act = form.closest('[data-act]');
  if (!bar || !act) throw new Error('no post');
  const id = bar.dataset.actionsFor;
  const body = new URLSearchParams(new FormData(form));
  body.set('back', `/p/${id}`);
  const response = await send(form, body);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const doc = parse(await response.text());
  const back = location.pathname + location.search;
  let mine;
  for (const name of ['reblog', 'favourite']) {
    const next = doc.querySelector(`main [data-actions-for="${id}"] [data-act="${name}"]`);
    if (!next) throw new Error('post not shown');
    for (const old of document.querySelectorAll(`[data-actions-for="${id}"] [data-act="${name}"]`)) {
      const copy = document.importNode(next, true);
      for (const input of copy.querySelectorAll('input[name=back]')) input.value = back;
      old.replaceWith(copy);
      if (old === act) mine = copy;
    }
  }
  refreshUnread(doc);
  focusOn(mine?.querySelector('button'));
  announce(reacted[new URL(form.action).pathname.split('/').pop()] ?? '');
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.enhance) return;
  event.preventDefault();
  if (form.dataset.busy) return;
  const button = form.querySelector('button[type=submit]');
  if (button?.disabled) return;
  form.dataset.busy = 'true';
  button?.setAttribute('aria-busy', 'true');
  (form.dataset.enhance === 'status' ? reactInPlace(form) : submitInPlace(form))
    .catch(() => form.submit())
    .finally(() => {
      delete form.dataset.busy;
      button?.removeAttribute('aria-busy');
    });
});

// --- "Older posts" (and "More") append the next page instead of leaving this one.

async function loadMore(link) {
  const response = await fetch(link.href, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const doc = parse(await response.text());
  const section = link.closest('section') ?? document.querySelector('main');
  const list = section.querySelector('ol.posts, ol.notifications, ul.accounts');
  const incoming = doc.querySelector('main ol.posts, main ol.notifications, main ul.accounts');
  if (!list || !incoming) throw new Error('no list');
  const added = [...incoming.children].map((item) => document.importNode(item, true));
  for (const item of added) {
    item.classList.add('arrived');
    list.append(item);
  }
  refreshTimes(list);
  const more = doc.querySelector('main a[data-more]')?.closest('.more');
  const here = link.closest('.more');
  if (more) here.replaceWith(document.importNode(more, true));
  else here.remove();
  if (added[0]) focusOn(added[0].querySelector('a'));
  announce(`${added.length} more loaded.`);
}

// "Reply" on the post whose page this is goes straight into the reply box.
document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[href$="#reply"]') : null;
  const box = document.querySelector('#reply textarea');
  if (!link || !box || link.pathname !== location.pathname) return;
  event.preventDefault();
  box.focus();
});

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[data-more]') : null;
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  link.setAttribute('aria-busy', 'true');
  loadMore(link).catch(() => location.assign(link.href));
});

window.addEventListener('popstate', () => location.reload());

// --- The status page: its panel re-read every few seconds, in place.
// Quietly: a live region here would talk over the reader every 5 s. A failed read keeps the last figures.

const ADMIN_REFRESH_MS = 5_000;

function setUpAdminRefresh() {
  const panel = document.querySelector('[data-admin-refresh]');
  if (!panel) return;
  const source = panel.getAttribute('data-admin-refresh');
  let busy = false;
  setInterval(async () => {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(source, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (response.ok) panel.innerHTML = await response.text();
    } catch {
      // Offline or restarting: the next tick tries again.
    } finally {
      busy = false;
    }
  }, ADMIN_REFRESH_MS);
}

refreshTimes();
setUpComposer();
setUpAdminRefresh();
setInterval(refreshTimes, 30_000);
