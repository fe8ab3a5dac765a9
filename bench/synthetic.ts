/**
 * The synthetic social graph: deterministic from a seed, so two runs load
 * the same data. Popularity follows Zipf's law over a rank (user i has rank
 * i): the chance of being followed, and of being the author of a post, is
 * proportional to 1 / (rank + 1)^s. With s = 1 and 10,000 users the top
 * account is followed by nearly everyone, rank 10 by about 40 %, rank 100
 * by about 5 %: a few accounts with thousands of followers, a long tail
 * with a handful.
 */
import { newPostId, type Post } from '../src/domain/post.js';

/** mulberry32: a tiny, fast, seedable PRNG (uniform in [0, 1)); Math.random cannot be seeded. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^exponent, by binary search over the CDF. */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(
    n: number,
    exponent: number,
    private readonly random: () => number,
  ) {
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += 1 / (i + 1) ** exponent;
      this.cdf[i] = sum;
    }
    for (let i = 0; i < n; i++) this.cdf[i]! /= sum;
  }

  sample(): number {
    const u = this.random();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface GraphOptions {
  users: number;
  /** Mean number of accounts each user follows. */
  avgFollowing: number;
  /** How many accounts the special user follows (the top ranks). */
  specialFollows: number;
  zipfExponent: number;
  seed: number;
  nowMs: number;
}

export interface Graph {
  /** Usernames by rank; the special user is not among them. */
  users: string[];
  createdAtMs: Float64Array;
  /** following[i]: ranks user i follows, distinct, never i. */
  following: Int32Array[];
  /** Followers of each rank, the special user included. */
  followerCounts: Int32Array;
  edges: number;
  special: { username: string; createdAtMs: number; following: Int32Array };
}

const DAY_MS = 24 * 3600 * 1000;

export function username(rank: number): string {
  return `u${String(rank).padStart(6, '0')}`;
}

/**
 * How many each user follows is log-normal (most follow a few dozen, some
 * hundreds), scaled to the requested mean; whom they follow is Zipf.
 */
export function generateGraph(options: GraphOptions): Graph {
  const { users: n, avgFollowing, nowMs } = options;
  const random = seededRandom(options.seed);
  const zipf = new ZipfSampler(n, options.zipfExponent, random);
  const sigma = 0.8;
  const maxFollowing = Math.min(n - 1, Math.max(1, Math.round(avgFollowing * 20)));
  const users: string[] = [];
  const createdAtMs = new Float64Array(n);
  const following: Int32Array[] = [];
  const followerCounts = new Int32Array(n);
  let edges = 0;
  for (let i = 0; i < n; i++) {
    users.push(username(i));
    createdAtMs[i] = Math.floor(nowMs - 2 * 365 * DAY_MS + random() * 365 * DAY_MS);
  }
  for (let i = 0; i < n; i++) {
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const wanted = Math.min(maxFollowing, Math.max(1, Math.round(avgFollowing * Math.exp(sigma * normal - (sigma * sigma) / 2))));
    const chosen = new Set<number>();
    // Popular ranks repeat often; the attempt bound keeps a user who wants most of the graph from looping long.
    for (let attempts = 0; chosen.size < wanted && attempts < wanted * 20; attempts++) {
      const rank = zipf.sample();
      if (rank !== i) chosen.add(rank);
    }
    const list = Int32Array.from(chosen).sort();
    for (const rank of list) followerCounts[rank]!++;
    edges += list.length;
    following.push(list);
  }
  const specialCount = Math.min(options.specialFollows, n);
  const specialFollowing = new Int32Array(specialCount);
  for (let i = 0; i < specialCount; i++) {
    specialFollowing[i] = i;
    followerCounts[i]!++;
  }
  edges += specialCount;
  return {
    users,
    createdAtMs,
    following,
    followerCounts,
    edges,
    special: { username: `follows_${specialCount}`, createdAtMs: nowMs - 365 * DAY_MS, following: specialFollowing },
  };
}

const WORDS = (
  'the a of to and in is it you that he was for on are with as his they be at one have this from or had by hot ' +
  'word but what some we can out other were all there when up use your how said an each she which do their time ' +
  'if will way about many then them write would like so these her long make thing see him two has look more day ' +
  'could go come did number sound no most people my over know water than call first who may down side been now find ' +
  'raft quorum leader follower etcd feed chorus post timeline merge watch lease revision shard replica'
).split(' ');

/**
 * Posts over the past `spanMs`, authors drawn by the same popularity as
 * follows. Keeps per-author counts and newest ids, which is what the load
 * is verified against through the API.
 */
export class PostGenerator {
  readonly postCounts: Int32Array;
  /** Smallest (newest) post id per author rank, '' when none. */
  readonly newestIds: string[];
  generated = 0;
  private readonly random: () => number;
  private readonly zipf: ZipfSampler;

  constructor(
    private readonly graph: Graph,
    seed: number,
    exponent: number,
    private readonly nowMs: number,
    private readonly spanMs = 365 * DAY_MS,
  ) {
    this.random = seededRandom(seed);
    this.zipf = new ZipfSampler(graph.users.length, exponent, this.random);
    this.postCounts = new Int32Array(graph.users.length);
    this.newestIds = new Array<string>(graph.users.length).fill('');
  }

  next(): Post {
    const rank = this.zipf.sample();
    const createdAtMs = Math.floor(this.nowMs - 60_000 - this.random() * this.spanMs);
    const id = newPostId(createdAtMs, this.random);
    const words = 4 + Math.floor(this.random() * 20);
    let text = '';
    for (let w = 0; w < words; w++) text += (w ? ' ' : '') + WORDS[Math.floor(this.random() * WORDS.length)];
    this.postCounts[rank]!++;
    const newest = this.newestIds[rank]!;
    if (newest === '' || id < newest) this.newestIds[rank] = id;
    this.generated++;
    return { id, author: this.graph.users[rank]!, text, createdAtMs };
  }

  /** The newest post id among the given authors' posts, '' when they have none. */
  newestAmong(ranks: Int32Array): string {
    let best = '';
    for (const rank of ranks) {
      const id = this.newestIds[rank]!;
      if (id !== '' && (best === '' || id < best)) best = id;
    }
    return best;
  }

  /** How many posts the given authors have in total. */
  countAmong(ranks: Int32Array): number {
    let total = 0;
    for (const rank of ranks) total += this.postCounts[rank]!;
    return total;
  }
}
