import { invalid } from './errors.js';

/** Following is a relation between two distinct accounts. */
export function checkFollow(follower: string, followee: string): void {
  if (follower === followee) throw invalid('You cannot follow yourself.', 'username');
}
