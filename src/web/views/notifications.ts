import type { Notification } from '../../domain/notification.js';
import type { Page } from '../../domain/page.js';
import type { NotificationMarker } from '../../domain/social.js';
import { actionButton, avatar, moreLink, timeTag } from './components.js';
import { html, type SafeHtml } from './html.js';
import { backTo, type Frame, layout } from './layout.js';
import { actionBar, type Described, nameHtml, type StatusOptions } from './post.js';
import { richText } from './rich-text.js';

export interface NotificationsView {
  page: Page<Notification>;
  /** The posts the notifications concern, and the profiles of their actors. */
  described: Described;
  /** Absent when it could not be read: nothing is then shown as new. */
  marker: NotificationMarker | undefined;
  firstPage: boolean;
}

/** Newer than the read marker: ids sort newest first, like post ids. */
export function isUnread(notification: Notification, marker: NotificationMarker | undefined): boolean {
  return marker !== undefined && (marker.lastReadId === '' || notification.id < marker.lastReadId);
}

function what(notification: Notification, options: StatusOptions): string {
  switch (notification.type) {
    case 'follow':
      return 'followed you';
    case 'favourite':
      return 'favourited your post';
    case 'reblog':
      return 'reblogged your post';
    case 'mention': {
      const post = notification.postId === undefined ? undefined : options.described.views.get(notification.postId)?.post;
      return post?.inReplyToAuthor === notification.recipient ? 'replied to your post' : 'mentioned you';
    }
  }
}

/** The post a notification is about: its text, and for a mention the buttons to answer it. */
function subject(notification: Notification, options: StatusOptions): SafeHtml | '' {
  if (notification.postId === undefined) return '';
  const view = options.described.views.get(notification.postId);
  if (view === undefined) return html`<p class="muted">That post has been deleted.</p>`;
  return html`<blockquote class="quoted"><p class="text" dir="auto">${richText(view.post.text, { mentions: view.post.mentions ?? [] })}</p>
<p class="muted"><a href="/p/${view.post.id}">Open the post</a></p></blockquote>
${notification.type === 'mention' ? actionBar(view, options) : ''}`;
}

function item(notification: Notification, unread: boolean, options: StatusOptions): SafeHtml {
  const actor = notification.actor;
  return html`<li class="notification${unread ? ' unread' : ''}" id="notification-${notification.id}">
${avatar(actor)}
<div class="body">
<p class="what"><a href="/u/${actor}" class="author">${nameHtml(actor, options.described.accounts.get(actor))}</a> ${what(notification, options)}${
    unread ? html` <span class="badge">New</span>` : ''
  }<span aria-hidden="true"> · </span>${timeTag(notification.createdAtMs, options.now)}</p>
${subject(notification, options)}
</div>
</li>`;
}

export function notificationsPage(frame: Frame, view: NotificationsView): string {
  const { page, marker } = view;
  const options: StatusOptions = { viewer: frame.viewer, csrf: frame.csrf, back: backTo(frame), now: frame.now, described: view.described };
  // Only up to what this page shows: a notification that arrives meanwhile stays unread.
  const newest = view.firstPage ? page.items[0]?.id : undefined;
  const markRead =
    marker !== undefined && marker.unread > 0
      ? actionButton('/notifications/read', 'Mark all as read', frame.csrf, {
          hidden: newest ? { lastReadId: newest } : {},
          enhance: 'replace',
        })
      : '';
  const main = html`<section aria-labelledby="notifications-title">
<div class="section-head"><h1 id="notifications-title">Notifications</h1>${markRead}</div>
${
  page.items.length === 0
    ? html`<p class="empty">${
        view.firstPage
          ? 'Nothing yet. When someone follows you, mentions you, or favourites or reblogs your posts, you will see it here.'
          : 'No older notifications.'
      }</p>`
    : html`<ol class="notifications">${page.items.map((n) => item(n, isUnread(n, marker), options))}</ol>`
}
${moreLink('/notifications', page.next, 'Older notifications')}
</section>`;
  return layout(frame, 'Notifications', main);
}
