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

describe('Relationship entity', () => {
  it('has every documented field with its type, and no other', () => {
    assertShape(mastodonRelationship('bob', true, false), RELATIONSHIP_FIELDS);
  });

  it('says who follows whom, by the other account id', () => {
    for (const [following, followedBy] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const relationship = mastodonRelationship('bob', following, followedBy);
      assert.equal(relationship.id, accountId('bob'));
      assert.equal(relationship.following, following);
      assert.equal(relationship.followed_by, followedBy);
      assert.equal(relationship.showing_reblogs, following);
      assert.equal(relationship.requested, false);
      assert.equal(relationship.note, '');
    }
  });
});
