import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FinalState } from '../../chaos/history.js';
import { checkLeaver, type LeaverEvidence } from '../../chaos/leaver.js';

/**
 * The chaos run's rule for a deleted account (issue 12): each case below
 * leaves one thing of the leaver behind, and the rule must name it; a
 * clean end must pass.
 */
const S1 = (10n ** 26n + 1n).toString();
const gone: LeaverEvidence = {
  username: 'faults_leaver',
  deleted: true,
  lookup: 404,
  login: 400,
  signUp: 422,
  statuses: { [S1]: 404 },
  followed: ['faults_1'],
};
const clean = (): FinalState => ({
  at: 0,
  users: {
    faults_1: { posts: [], following: ['faults_2'], feed: [], notifications: [{ id: 'n1', type: 'follow', actor: 'faults_2' }] },
    faults_2: { posts: [], following: [], feed: [] },
  },
});

describe('the leaver rule', () => {
  it('passes a deletion that left nothing and kept the name taken', () => {
    assert.deepEqual(checkLeaver(gone, clean()), []);
  });

  it('names each thing left behind', () => {
    const cases: [string, LeaverEvidence, FinalState, RegExp][] = [
      ['never deleted', { ...gone, deleted: false }, clean(), /never acknowledged/],
      ['profile still there', { ...gone, lookup: 200 }, clean(), /lookup answered 200/],
      ['can log in', { ...gone, login: 200 }, clean(), /could still log in/],
      ['name free again', { ...gone, signUp: 200 }, clean(), /not 422/],
      ['a status left', { ...gone, statuses: { [S1]: 200 } }, clean(), new RegExp(`status ${S1} answered 200`)],
    ];
    const following = clean();
    following.users.faults_2!.following.push('faults_leaver');
    cases.push(['a follow left', gone, following, /faults_2 still follows faults_leaver/]);
    const notified = clean();
    notified.users.faults_1!.notifications!.push({ id: 'n2', type: 'follow', actor: 'faults_leaver' });
    cases.push(['its notification left', gone, notified, /still has faults_leaver's follow notification n2/]);
    const shown = clean();
    shown.users.faults_1!.feed.push({ id: S1, author: 'faults_leaver', text: 'leaver post 0' });
    cases.push(['its status in a feed', gone, shown, /still shows faults_leaver's status/]);
    for (const [name, evidence, final, message] of cases) {
      const violations = checkLeaver(evidence, final);
      assert.equal(violations.length, 1, `${name}: ${violations.join('; ')}`);
      assert.match(violations[0]!, message, name);
    }
  });
});
