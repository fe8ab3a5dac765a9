import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Post } from '../../domain/post.js';
import { PostList } from './post-list.js';
import { PublicTimeline } from './public-timeline.js';

const post = (id: string, reblogOf?: string): Post => ({ id, author: 'a', text: id, createdAtMs: 0, ...(reblogOf ? { reblogOf } : {}) });

/** A fixed-seed generator, so a failure repeats. */
function generator(seed: number) {
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const digits = (n: number) => Array.from({ length: n }, () => '0123456789abcdefghijklmnopqrstuvwxyz'[Math.floor(random() * 36)]).join('');
  /** Few time parts, so keys tie often; now and then an id without nine base-36 digits (a NaN key). */
  const times = Array.from({ length: 3 }, () => digits(9));
  const id = () => (random() < 0.1 ? `Z${digits(4)}` : `${times[Math.floor(random() * times.length)]}${digits(8)}`);
  return { random, id };
}

const descending = (ids: Iterable<string>) => [...new Set(ids)].sort().reverse();

describe('PublicTimeline', () => {
  it('keeps ids in descending order through inserts and removes, and finds each by id', () => {
    const { random, id } = generator(11);
    const timeline = new PublicTimeline();
    const held = new Set<string>();
    for (let step = 0; step < 600; step++) {
      if (held.size > 0 && random() < 0.3) {
        const gone = [...held][Math.floor(random() * held.size)]!;
        assert.equal(timeline.remove(gone), true);
        assert.equal(timeline.remove(gone), false, 'removed once');
        held.delete(gone);
      } else {
        const fresh = id();
        if (held.has(fresh)) continue;
        timeline.insert(post(fresh));
        held.add(fresh);
      }
    }
    const order = descending(held);
    assert.deepEqual(
      timeline.posts.map((p) => p.id),
      order,
    );
    for (const [index, held] of order.entries()) {
      assert.equal(timeline.find(held)?.id, held);
      assert.equal(timeline.countGreater(held), index);
    }
    assert.equal(timeline.find('zzzzzzzzzzzzzzzzz'), undefined);
    assert.equal(timeline.find(`${order[0]}0`), undefined, 'a longer id between two is not found');
  });

  it('orders what a listing appended: in order, reversed, or merged from the authors’ lists without reblogs', () => {
    const { random, id } = generator(5);
    const ids = [...new Set(Array.from({ length: 300 }, id))];
    const reblogs = new Set(ids.filter(() => random() < 0.1));
    const expected = descending(ids.filter((i) => !reblogs.has(i)));
    const lists = Array.from({ length: 7 }, () => new PostList());
    for (const i of ids) lists[Math.floor(random() * lists.length)]!.append(post(i, reblogs.has(i) ? 'x' : undefined));
    for (const list of lists) list.sort();
    const listed = lists.flatMap((list) => list.posts).filter((p) => p.reblogOf === undefined);
    const orders: [string, Post[]][] = [
      ['in order', [...listed].sort((a, b) => (a.id < b.id ? 1 : -1))],
      ['reversed', [...listed].sort((a, b) => (a.id < b.id ? -1 : 1))],
      ['by author', listed],
    ];
    for (const [name, appended] of orders) {
      const timeline = new PublicTimeline();
      for (const p of appended) timeline.append(p);
      timeline.endListing(lists);
      assert.deepEqual(
        timeline.posts.map((p) => p.id),
        expected,
        name,
      );
      for (const i of expected) assert.equal(timeline.find(i)?.id, i, name);
    }
  });
});
