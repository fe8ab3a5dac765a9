import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ClientCredentials } from '../../src/domain/auth.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { keyspace } from '../../src/kv/keys.js';
import { makeRpcCertificates, type RpcCertificates } from '../../src/local-tls/rpc-certificates.js';
import { type GrpcServer, startGrpcServer } from '../../src/rpc/server.js';
import { readRpcIdentity, serviceNames } from '../../src/rpc/tls.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { socialGrpcService } from '../../src/services/social/grpc.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { dumpStore } from '../helpers/engines.js';
import { FAST_HASHING } from '../helpers/fixtures.js';
import { credentialsOf } from '../helpers/grpc-probe.js';

/**
 * No trusted usernames, at the gRPC edge, with the credentials code the
 * processes use: a caller holding a valid web certificate (so past mutual
 * TLS) and bob's token acts as bob whatever its requests name; without a
 * token it is refused; with a read-scoped OAuth token it cannot write. The
 * caller is a plain grpc-js client built from the .proto files, as an
 * attacker on the machine would build one, not Chorus's SocialClient.
 */

const PASSWORD = 'a fine password';
const IP = '127.0.0.1';
const protoRoot = path.resolve('proto');

/** The contract before issue 14, which named the actor: what the probe in the issue sent. */
const OLD_CONTRACT = `syntax = "proto3";
package chorus.social.v1;
message Empty {}
message CreatePostRequest { string author = 1; string text = 2; }
message FollowRequest { string follower = 1; string followee = 2; }
message DeletePostRequest { string id = 1; string actor = 2; }
message FavouriteRequest { string actor = 1; string post_id = 2; }
message BlockRequest { string actor = 1; string target = 2; }
message ListNotificationsRequest { string recipient = 1; }
message UpdateProfileRequest { string username = 1; optional string display_name = 2; }
service SocialService {
  rpc CreatePost(CreatePostRequest) returns (Empty);
  rpc Follow(FollowRequest) returns (Empty);
  rpc DeletePost(DeletePostRequest) returns (Empty);
  rpc Favourite(FavouriteRequest) returns (Empty);
  rpc Block(BlockRequest) returns (Empty);
  rpc ListNotifications(ListNotificationsRequest) returns (Empty);
  rpc UpdateProfile(UpdateProfileRequest) returns (Empty);
}
`;

type Answer = { code: grpc.status; details: string } | { code: 'OK'; response: any };
type RawClient = Record<
  string,
  (request: object, options: object, callback: (error: grpc.ServiceError | null, response: any) => void) => void
> &
  grpc.Client;

function rawClient(file: string, includeDir: string, port: number, certificates: RpcCertificates): RawClient {
  const definition = protoLoader.loadSync(file, { includeDirs: [includeDir], keepCase: true, enums: String, longs: Number });
  const pkg = grpc.loadPackageDefinition(definition) as any;
  return new pkg.chorus.social.v1.SocialService(`127.0.0.1:${port}`, credentialsOf(certificates.ca, certificates.web), {
    'grpc.ssl_target_name_override': serviceNames.social,
  });
}

function call(client: RawClient, method: string, request: object): Promise<Answer> {
  return new Promise((resolve) =>
    client[method]!(request, { deadline: Date.now() + 5000 }, (error, response) =>
      resolve(error ? { code: error.code, details: error.details } : { code: 'OK', response }),
    ),
  );
}

/** The answer's response; fails the test with the status otherwise. */
function ok(answer: Answer): any {
  assert.equal(answer.code, 'OK', JSON.stringify(answer));
  return (answer as { response: unknown }).response;
}

describe('no trusted usernames over gRPC (a web certificate and a token)', () => {
  let dir: string;
  let certificates: RpcCertificates;
  let kv: EmbeddedKV;
  let server: GrpcServer;
  let social: SocialService;
  let client: RawClient;
  let oldClient: RawClient;
  const internalErrors: unknown[] = [];
  const tokens: Record<string, string> = {};
  let readOnly: string;
  let alicePost: string;
  /** Every key but the sessions, whose last use a valid token may record. */
  const rows = async () => (await dumpStore({ kv, keys: keyspace() })).filter((e) => !/\/(user-)?sessions\//.test(e.key));

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chorus-acting-'));
    certificates = await makeRpcCertificates(path.join(dir, 'rpc'));
    kv = await EmbeddedKV.open({ path: ':memory:' });
    social = new SocialService({ kv });
    const identity = readRpcIdentity({ ca: certificates.ca, cert: certificates.social.cert, key: certificates.social.key });
    server = await startGrpcServer('127.0.0.1', 0, [socialGrpcService(social, (e) => internalErrors.push(e))], identity);
    const auth = new AuthService({ kv, passwordHashing: FAST_HASHING });
    for (const name of ['alice', 'bob', 'carol']) tokens[name] = (await auth.signUp(name, PASSWORD, IP)).token;
    const app = await auth.registerApp({ name: 'Reader', redirectUris: ['urn:ietf:wg:oauth:2.0:oob'], scopes: 'read write', website: '' });
    const credentials: ClientCredentials = { clientId: app.clientId, clientSecret: app.clientSecret };
    readOnly = (await auth.passwordGrant(credentials, 'alice', PASSWORD, 'read', IP)).token;
    alicePost = (await social.as(tokens.alice!).post('by alice')).id;
    await social.as(tokens.carol!).follow('alice');
    await social.as(tokens.carol!).follow('bob');
    client = rawClient(path.join(protoRoot, 'chorus/social/v1/social.proto'), protoRoot, server.port, certificates);
    await writeFile(path.join(dir, 'old.proto'), OLD_CONTRACT);
    oldClient = rawClient(path.join(dir, 'old.proto'), dir, server.port, certificates);
  });
  after(async () => {
    client?.close();
    oldClient?.close();
    await server?.close(1000);
    await kv?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses the issue's probe: requests that name alice as the actor, with no token", async () => {
    const before = await rows();
    assert.equal((await call(oldClient, 'CreatePost', { author: 'alice', text: 'forged' })).code, grpc.status.UNIMPLEMENTED);
    // Favourites travel in StatusActions now, each item with its token.
    assert.equal((await call(oldClient, 'Favourite', { actor: 'alice', post_id: alicePost })).code, grpc.status.UNIMPLEMENTED);
    for (const [method, request] of [
      ['Follow', { follower: 'alice', followee: 'bob' }],
      ['DeletePost', { id: alicePost, actor: 'alice' }],
      ['Block', { actor: 'alice', target: 'carol' }],
      ['ListNotifications', { recipient: 'alice' }],
      ['UpdateProfile', { username: 'alice', display_name: 'Forged' }],
    ] as const) {
      assert.equal((await call(oldClient, method, request)).code, grpc.status.UNAUTHENTICATED, method);
    }
    assert.deepEqual(await rows(), before, 'nothing was written');
  });

  it("acts as bob with bob's token, whatever else the request holds", async () => {
    const bob = tokens.bob!;
    ok(await call(client, 'Follow', { token: bob, followee: 'carol', follower: 'alice' }));
    assert.deepEqual([await social.isFollowing('bob', 'carol'), await social.isFollowing('alice', 'carol')], [true, false]);

    const listed = ok(await call(client, 'ListNotifications', { token: bob, recipient: 'alice' }));
    assert.deepEqual(
      listed.notifications.map((n: { recipient: string; actor: string }) => [n.recipient, n.actor]),
      [['bob', 'carol']],
      "bob's notifications, not alice's",
    );

    const posted = ok(await call(client, 'PostsAsSession', { requests: [{ token: bob, text: 'posted with a token', author: 'alice' }] }));
    assert.equal(posted.results[0].status.post.author, 'bob');

    const denied = await call(client, 'DeletePost', { token: bob, id: alicePost, actor: 'alice' });
    assert.equal(denied.code, grpc.status.PERMISSION_DENIED);
    assert.equal((await social.getPost(alicePost)).author, 'alice', "alice's post is still there");

    const favourited = ok(
      await call(client, 'StatusActions', { requests: [{ token: bob, action: FAVOURITE, post_id: alicePost, actor: 'alice' }] }),
    );
    assert.equal(favourited.results[0].status.viewer, 'bob');
    const unknown = ok(await call(client, 'StatusActions', { requests: [{ token: bob, action: 0, post_id: alicePost }] }));
    assert.equal(unknown.results[0].error.code, grpc.status.INVALID_ARGUMENT, 'an action left unspecified');
    assert.deepEqual(
      (await social.favouritedBy(alicePost)).items.map((a) => a.username),
      ['bob'],
    );

    ok(await call(client, 'Block', { token: bob, target: 'carol' }));
    const [aliceToCarol] = await social.as(tokens.alice!).relationships(['carol']);
    assert.equal(aliceToCarol?.blocking, false);
    assert.equal((await social.as(bob).relationships(['carol']))[0]?.blocking, true);

    ok(await call(client, 'ClearNotifications', { token: bob, recipient: 'alice' }));
    ok(await call(client, 'MarkNotificationsRead', { token: bob, recipient: 'alice' }));
    const aliceNotifications = await social.as(tokens.alice!).listNotifications();
    assert.deepEqual(
      aliceNotifications.items.map((n) => [n.type, n.actor]),
      [
        ['favourite', 'bob'],
        ['follow', 'carol'],
      ],
      "alice's notifications are untouched",
    );
    assert.equal((await social.as(tokens.alice!).notificationMarker()).lastReadId, '');

    const updated = ok(await call(client, 'UpdateProfile', { token: bob, display_name: 'Bob', username: 'alice' }));
    assert.equal(updated.account.username, 'bob');
    assert.equal((await social.getProfile('alice')).account.displayName, undefined);
    assert.deepEqual(internalErrors, []);
  });

  it('refuses every call that acts, or reads as someone, when it carries no token or a bad one', async () => {
    const before = await rows();
    for (const token of ['', 'A'.repeat(43), 'alice']) {
      for (const [method, request] of actingCalls(alicePost)) {
        assert.equal((await call(client, method, { ...request, token })).code, grpc.status.UNAUTHENTICATED, `${method} with "${token}"`);
      }
      const feeds = ok(await call(client, 'SessionFeeds', { requests: [{ token }] }));
      assert.equal(feeds.results[0].error.code, grpc.status.UNAUTHENTICATED);
      const posts = ok(await call(client, 'PostsAsSession', { requests: [{ token, text: 'no' }] }));
      assert.equal(posts.results[0].error.code, grpc.status.UNAUTHENTICATED);
      const actions = ok(await call(client, 'StatusActions', { requests: statusActions(token, alicePost) }));
      assert.deepEqual(
        actions.results.map((r: { error?: { code: number } }) => r.error?.code),
        [1, 2, 3, 4].map(() => grpc.status.UNAUTHENTICATED),
      );
    }
    // The reads that may be anonymous stay so without a token, and refuse a bad one.
    ok(await call(client, 'DescribePosts', { post_ids: [alicePost] }));
    assert.equal((await call(client, 'DescribePosts', { post_ids: [alicePost], token: 'A'.repeat(43) })).code, grpc.status.UNAUTHENTICATED);
    assert.deepEqual(await rows(), before, 'nothing was written');
  });

  it('lets a read-scoped OAuth token read but not write', async () => {
    const before = await rows();
    for (const [method, request] of actingCalls(alicePost).filter(([method]) => WRITES.includes(method))) {
      const answer = await call(client, method, { ...request, token: readOnly });
      assert.equal(answer.code, grpc.status.PERMISSION_DENIED, `${method}: ${JSON.stringify(answer)}`);
    }
    const posts = ok(await call(client, 'PostsAsSession', { requests: [{ token: readOnly, text: 'read only' }] }));
    assert.equal(posts.results[0].error.code, grpc.status.PERMISSION_DENIED);
    const actions = ok(await call(client, 'StatusActions', { requests: statusActions(readOnly, alicePost) }));
    assert.deepEqual(
      actions.results.map((r: { error?: { code: number } }) => r.error?.code),
      [1, 2, 3, 4].map(() => grpc.status.PERMISSION_DENIED),
    );
    assert.deepEqual(await rows(), before, 'nothing was written');
    const feeds = ok(await call(client, 'SessionFeeds', { requests: [{ token: readOnly }] }));
    assert.equal(feeds.results[0].feed.account.username, 'alice');
    ok(await call(client, 'ListNotifications', { token: readOnly }));
  });
});

const WRITES = [
  'Follow',
  'Unfollow',
  'DeletePost',
  'UpdateProfile',
  'DismissNotification',
  'ClearNotifications',
  'MarkNotificationsRead',
  'Block',
  'Unblock',
  'Mute',
  'Unmute',
];

/** StatusActions' ACTION_FAVOURITE. */
const FAVOURITE = 1;

/** One item of each status action (favourite, unfavourite, reblog, unreblog) on the post, with the token. */
const statusActions = (token: string, postId: string) => [1, 2, 3, 4].map((action) => ({ token, action, post_id: postId }));

/** A request of every unary RPC that acts for its token's owner (SessionFeeds, PostsAsSession and StatusActions carry tokens per item). */
function actingCalls(postId: string): [string, object][] {
  return [
    ['Follow', { followee: 'bob' }],
    ['Unfollow', { followee: 'bob' }],
    ['DeletePost', { id: postId }],
    ['UpdateProfile', { display_name: 'x' }],
    ['ListFavourites', {}],
    ['ListNotifications', {}],
    ['GetNotification', { id: postId }],
    ['DismissNotification', { id: postId }],
    ['ClearNotifications', {}],
    ['NotificationMarker', {}],
    ['MarkNotificationsRead', {}],
    ['Block', { target: 'bob' }],
    ['Unblock', { target: 'bob' }],
    ['Mute', { target: 'bob' }],
    ['Unmute', { target: 'bob' }],
    ['ListBlocks', {}],
    ['ListMutes', {}],
    ['Relationships', { targets: ['bob'] }],
  ];
}
