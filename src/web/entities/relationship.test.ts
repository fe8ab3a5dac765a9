import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountId } from '../../domain/mastodon-ids.js';
import { mastodonRelationship } from './relationship.js';
import { assertShape } from './shape.test-helper.js';

/** Relationship's attributes as docs.joinmastodon.org/entities/Relationship lists them, with their JSON types. */
const RELATIONSHIP_FIELDS = {
  id: 'string',
  following: 'boolean',
  showing_reblogs: 'boolean',
  notifying: 'boolean',
  languages: 'null',
  followed_by: 'boolean',
  blocking: 'boolean',
  blocked_by: 'boolean',
  muting: 'boolean',
  muting_notifications: 'boolean',
  requested: 'boolean',
  requested_by: 'boolean',
  domain_blocking: 'boolean',
  endorsed: 'boolean',
  note: 'string',
} as const;

const none = { target: 'bob', following: false, followedBy: false, blocking: false, blockedBy: false, muting: false };

describe('Relationship entity', () => {
  it('has every documented field with its type, and no other', () => {
    assertShape(mastodonRelationship({ ...none, following: true }), RELATIONSHIP_FIELDS);
  });

  it('says who follows whom, by the other account id', () => {
    for (const [following, followedBy] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const relationship = mastodonRelationship({ ...none, following, followedBy });
      assert.equal(relationship.id, accountId('bob'));
      assert.equal(relationship.following, following);
      assert.equal(relationship.followed_by, followedBy);
      assert.equal(relationship.showing_reblogs, following);
      assert.equal(relationship.requested, false);
      assert.equal(relationship.note, '');
    }
  });

  it('says who blocks whom and whom the viewer mutes (a mute hides notifications too)', () => {
    const flags = (r: ReturnType<typeof mastodonRelationship>) => [r.blocking, r.blocked_by, r.muting, r.muting_notifications];
    assert.deepEqual(flags(mastodonRelationship(none)), [false, false, false, false]);
    assert.deepEqual(flags(mastodonRelationship({ ...none, blocking: true })), [true, false, false, false]);
    assert.deepEqual(flags(mastodonRelationship({ ...none, blockedBy: true })), [false, true, false, false]);
    assert.deepEqual(flags(mastodonRelationship({ ...none, muting: true })), [false, false, true, true]);
    assert.equal(mastodonRelationship({ ...none, target: 'carol' }).id, accountId('carol'));
  });
});
