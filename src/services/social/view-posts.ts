import { encodeCursor, type Page, type PageRequest } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import type { Keyspace, ParsedKey } from '../../kv/keys.js';
import type { Reactions } from './reads.js';
import type { ViewEntry } from './view-entry.js';

/** One entry of an actor's favourites list: the list row's id (newest first) and the post. */
export interface FavouriteEntry {
  id: string;
  postId: string;
}

/**
 * The view's indexes of the rows posts imply (post-rows.ts): replies per
 * post, posts per tag, favourites and reblogs per post, each actor's
 * favourites. Every row is a key that exists or not, so applying one is
 * setting or clearing it: a row listed and then seen again as an event,
 * or a put replayed after a later state, ends where the store ends once
 * the events catch up (ReadModel reads only then). Counts are the sizes
 * of these sets, never counters, so no replay can count twice.
 */
export class PostIndexes {
  /** parent id → reply ids, ascending (newest first). */
  readonly #replies = new Map<string, string[]>();
  /** tag → post ids, ascending. */
  readonly #tags = new Map<string, string[]>();
  /** post id → who favourited it → the row's value (the favourite's time, which names its other rows). */
  readonly #favourites = new Map<string, Map<string, string>>();
  /** actor → their favourites, ascending by entry id (most recent first). */
  readonly #favouritesBy = new Map<string, FavouriteEntry[]>();
  /** original id → reblogger → the reblog's id. */
  readonly #reblogs = new Map<string, Map<string, string>>();
  /** Lists appended to by a listing, sorted by endListing. */
  readonly #unsorted = new Set<string[] | FavouriteEntry[]>();

  /** Applies a put of one of these rows; false for a key of another family. */
  put(key: ParsedKey, value: string, listing: boolean): boolean {
    switch (key.family) {
      case 'replies':
        this.#add(this.#replies, key.parentId, key.replyId, listing);
        return true;
      case 'tags':
        this.#add(this.#tags, key.tag, key.postId, listing);
        return true;
      case 'favourites':
        setIn(this.#favourites, key.postId, () => new Map<string, string>()).set(key.actor, value);
        return true;
      case 'favourites-by': {
        const list = setIn(this.#favouritesBy, key.actor, () => []);
        const entry = { id: key.favouriteId, postId: value };
        if (listing) {
          list.push(entry);
          this.#unsorted.add(list);
          return true;
        }
        const at = firstAt(list, key.favouriteId, (e) => e.id);
        if (list[at]?.id === key.favouriteId) list[at] = entry;
        else list.splice(at, 0, entry);
        return true;
      }
      case 'reblogs':
        setIn(this.#reblogs, key.postId, () => new Map<string, string>()).set(key.actor, value);
        return true;
      default:
        return false;
    }
  }

  /** Applies a delete of one of these rows; false for a key of another family. */
  delete(key: ParsedKey): boolean {
    switch (key.family) {
      case 'replies':
        removeFrom(this.#replies, key.parentId, key.replyId, (id) => id);
        return true;
      case 'tags':
        removeFrom(this.#tags, key.tag, key.postId, (id) => id);
        return true;
      case 'favourites':
        deleteIn(this.#favourites, key.postId, key.actor);
        return true;
      case 'favourites-by':
        removeFrom(this.#favouritesBy, key.actor, key.favouriteId, (entry) => entry.id);
        return true;
      case 'reblogs':
        deleteIn(this.#reblogs, key.postId, key.actor);
        return true;
      default:
        return false;
    }
  }

  /** The rows held, as View.entries describes; values only where the view keeps them. */
  *entries(keys: Keyspace): Generator<ViewEntry> {
    const row = (key: string, value = '') => ({ key, value, modRevision: 0 });
    for (const [parentId, ids] of this.#replies) for (const id of [...ids]) yield row(keys.reply(parentId, id));
    for (const [tag, ids] of this.#tags) for (const id of [...ids]) yield row(keys.tagPost(tag, id));
    for (const [postId, byActor] of this.#favourites) for (const [actor, time] of byActor) yield row(keys.favourite(postId, actor), time);
    for (const [actor, list] of this.#favouritesBy) {
      for (const entry of [...list]) yield row(keys.actorFavourite(actor, entry.id), entry.postId);
    }
    for (const [postId, byActor] of this.#reblogs) for (const [actor, id] of byActor) yield row(keys.reblog(postId, actor), id);
  }

  endListing(): void {
    for (const list of this.#unsorted) {
      if (typeof list[0] === 'string') (list as string[]).sort();
      else (list as FavouriteEntry[]).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    this.#unsorted.clear();
  }

  /** The ids of the replies to a post, oldest first. */
  replies(parentId: string): string[] {
    return [...(this.#replies.get(parentId) ?? [])].reverse();
  }

  /** Posts with the tag, newest first, strictly after post id `page.after`; ids are resolved by `post`. */
  tagged(tag: string, page: PageRequest, post: (id: string) => Post | undefined): Page<Post> {
    const ids = this.#tags.get(tag) ?? [];
    const start = page.after === undefined ? 0 : firstAfter(ids, page.after);
    const slice = ids.slice(start, start + page.limit);
    const more = start + page.limit < ids.length;
    const items = slice.map(post).filter((p): p is Post => p !== undefined);
    return { items, next: more ? encodeCursor(slice.at(-1)!) : null };
  }

  reactions(postId: string, viewer: string | undefined): Reactions {
    const favourites = this.#favourites.get(postId);
    const reblogs = this.#reblogs.get(postId);
    return {
      replies: this.#replies.get(postId)?.length ?? 0,
      reblogs: reblogs?.size ?? 0,
      favourites: favourites?.size ?? 0,
      favourited: viewer !== undefined && (favourites?.has(viewer) ?? false),
      reblogged: viewer !== undefined && (reblogs?.has(viewer) ?? false),
    };
  }

  /**
   * The value of the actor's favourite row for the post (its time), if the
   * view has one. The view may lag: an action that uses the answer
   * compares the row in its txn.
   */
  favourite(postId: string, actor: string): string | undefined {
    return this.#favourites.get(postId)?.get(actor);
  }

  /** The original's reblog by the actor (the reblog's id), if the view has one; may lag like favourite. */
  reblog(originalId: string, actor: string): string | undefined {
    return this.#reblogs.get(originalId)?.get(actor);
  }

  /** The actor's favourites, most recent first, strictly after entry id `page.after`. */
  favouritesBy(actor: string, page: PageRequest): { items: FavouriteEntry[]; next: string | undefined } {
    const list = this.#favouritesBy.get(actor) ?? [];
    const start = page.after === undefined ? 0 : firstAt(list, page.after, (e) => e.id, true);
    const items = list.slice(start, start + page.limit);
    return { items, next: start + page.limit < list.length ? items.at(-1)!.id : undefined };
  }

  #add(map: Map<string, string[]>, group: string, id: string, listing: boolean): void {
    const list = setIn(map, group, () => []);
    if (listing) {
      list.push(id);
      this.#unsorted.add(list);
      return;
    }
    const at = firstAt(list, id, (x) => x);
    if (list[at] !== id) list.splice(at, 0, id);
  }
}

function setIn<K, V>(map: Map<K, V>, key: K, empty: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = empty();
    map.set(key, value);
  }
  return value;
}

function deleteIn<K>(map: Map<string, Set<K> | Map<K, unknown>>, group: string, member: K): void {
  const members = map.get(group);
  if (!members?.delete(member)) return;
  if (members.size === 0) map.delete(group);
}

function removeFrom<T>(map: Map<string, T[]>, group: string, id: string, idOf: (item: T) => string): void {
  const list = map.get(group);
  if (!list) return;
  const at = firstAt(list, id, idOf);
  if (list[at] !== undefined && idOf(list[at]) === id) list.splice(at, 1);
  if (list.length === 0) map.delete(group);
}

/** In a list sorted by ascending id: the first index whose id is not less than `id` (with `after`, greater than it). */
function firstAt<T>(list: readonly T[], id: string, idOf: (item: T) => string, after = false): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    const midId = idOf(list[mid]!);
    if (midId < id || (after && midId === id)) low = mid + 1;
    else high = mid;
  }
  return low;
}

function firstAfter(ids: readonly string[], id: string): number {
  return firstAt(ids, id, (x) => x, true);
}
