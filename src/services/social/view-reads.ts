import type { Profile } from '../../domain/account.js';
import type { Notification } from '../../domain/notification.js';
import type { Page, PageRequest } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import type { NotificationMarker, Relationship } from '../../domain/social.js';
import type { NotificationPageRequest } from './notification-pages.js';
import type { FavouriteListEntry, Reactions, SessionOwner, SocialReads } from './reads.js';
import type { View } from './view.js';

/**
 * SocialReads from the watch-fed view in memory. Each answer is computed
 * synchronously, in the turn the service learned the view was fresh, so
 * the view cannot move on between the check and the read.
 */
export class ViewReads implements SocialReads {
  constructor(private readonly view: View) {}

  profile(username: string): Promise<Profile | undefined> {
    return Promise.resolve(this.view.profile(username));
  }

  isFollowing(follower: string, followee: string): Promise<boolean> {
    return Promise.resolve(this.view.isFollowing(follower, followee));
  }

  post(id: string): Promise<Post | undefined> {
    return Promise.resolve(this.view.post(id));
  }

  posts(author: string, page: PageRequest): Promise<Page<Post> | undefined> {
    return Promise.resolve(this.view.account(author) ? this.view.posts(author, page) : undefined);
  }

  feed(username: string, page: PageRequest): Promise<Page<Post> | undefined> {
    return Promise.resolve(this.view.account(username) ? this.view.feed(username, page) : undefined);
  }

  timeline(page: PageRequest): Promise<Page<Post>> {
    return Promise.resolve(this.view.timeline(page));
  }

  session(tokenHash: string): Promise<SessionOwner | undefined> {
    return Promise.resolve(this.view.session(tokenHash));
  }

  // Blocks, mutes and notifications: see view-relations.ts.
  hiddenFor(viewer: string): Promise<(author: string) => boolean> {
    return Promise.resolve(this.view.relations.hiddenFor(viewer));
  }

  relationships(actor: string, targets: readonly string[]): Promise<Relationship[]> {
    return Promise.resolve(this.view.relations.relationships(actor, targets));
  }

  notifications(recipient: string, request: NotificationPageRequest): Promise<Page<Notification>> {
    return Promise.resolve(this.view.relations.notifications(recipient, request));
  }

  notification(recipient: string, id: string): Promise<Notification | undefined> {
    return Promise.resolve(this.view.relations.notification(recipient, id));
  }

  notificationMarker(recipient: string): Promise<NotificationMarker> {
    return Promise.resolve(this.view.relations.notificationMarker(recipient));
  }

  replies(parentId: string): Promise<string[]> {
    return Promise.resolve(this.view.indexes.replies(parentId));
  }

  tagged(tag: string, page: PageRequest): Promise<Page<Post>> {
    return Promise.resolve(this.view.indexes.tagged(tag, page, (id) => this.view.post(id)));
  }

  reactions(postId: string, viewer?: string): Promise<Reactions> {
    return Promise.resolve(this.view.indexes.reactions(postId, viewer));
  }

  postsById(ids: readonly string[]): Promise<(Post | undefined)[]> {
    return Promise.resolve(ids.map((id) => this.view.post(id)));
  }

  reactionsOf(postIds: readonly string[], viewer?: string): Promise<Reactions[]> {
    return Promise.resolve(postIds.map((id) => this.view.indexes.reactions(id, viewer)));
  }

  profilesOf(usernames: readonly string[]): Promise<(Profile | undefined)[]> {
    return Promise.resolve(usernames.map((name) => this.view.profile(name)));
  }

  favourites(actor: string, page: PageRequest): Promise<{ items: FavouriteListEntry[]; next: string | undefined }> {
    const { items, next } = this.view.indexes.favouritesBy(actor, page);
    return Promise.resolve({ items: items.map((entry) => ({ id: entry.id, post: this.view.post(entry.postId) })), next });
  }
}
