// Drives a running Chorus with the real Mastodon client libraries, the way
// an app would (sign-up, follow, post, stream, reply, favourite, notifications): `node scripts/client-check.mjs WRITE_URL [READ_URL] [NAME]`.
// Against `npm run cluster` give its two web instances: the writer posts
// through the first, the reader follows, reads and holds a live stream
// through the second. Kill an etcd member and run it again: it must still
// pass. Accounts NAME_writer/NAME_reader are created on the first run and
// reused after (sign-ups are throttled per address). Exits 1 on any failure.
// Needs the dev dependencies (masto, megalodon) and Node >= 22.
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from 'masto';
import generator from 'megalodon';

const [writeUrl, readUrl = writeUrl, name = 'check'] = process.argv.slice(2);
if (!writeUrl) {
  console.error('usage: node scripts/client-check.mjs WRITE_URL [READ_URL] [NAME]');
  process.exit(2);
}
const started = Date.now();
const step = (...parts) => console.log(`[${((Date.now() - started) / 1000).toFixed(2)} s]`, ...parts);
const check = (ok, what) => {
  if (!ok) throw new Error(`check failed: ${what}`);
  step('ok:', what);
};
const within = (ms, promise, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms).unref())]);

const OOB = 'urn:ietf:wg:oauth:2.0:oob';
const scope = 'read write follow';
const app = await createRestAPIClient({ url: writeUrl }).v1.apps.create({ clientName: 'client check', redirectUris: OOB, scopes: scope });
const oauth = createOAuthAPIClient({ url: writeUrl });
const grant = { clientId: app.clientId, clientSecret: app.clientSecret, redirectUri: OOB, scope };
const appToken = await oauth.token.create({ ...grant, grantType: 'client_credentials' });
const asApp = createRestAPIClient({ url: writeUrl, accessToken: appToken.accessToken });
const tokens = {};
for (const role of ['writer', 'reader']) {
  const username = `${name}_${role}`;
  const password = `${name} ${role} password`;
  await asApp.v1.accounts.create({ username, password, agreement: true, locale: 'en' }).then(
    () => step(`registered ${username} with the app token`),
    (error) => step(`registering ${username} answered ${error.statusCode}: signing in to the existing account`),
  );
  tokens[role] = (await oauth.token.create({ ...grant, grantType: 'password', username, password })).accessToken;
}
step('password grants for both');

const writer = createRestAPIClient({ url: writeUrl, accessToken: tokens.writer });
const reader = createRestAPIClient({ url: readUrl, accessToken: tokens.reader });
const writerAccount = await reader.v1.accounts.lookup({ acct: `${name}_writer` });
check((await reader.v1.accounts.$select(writerAccount.id).follow()).following, 'the reader follows the writer (masto.js)');

const instance = await reader.v2.instance.fetch();
const streaming = createStreamingAPIClient({ streamingApiUrl: instance.configuration.urls.streaming, accessToken: tokens.reader, retry: false });
const subscription = streaming.user.subscribe();
const events = subscription.values();
// masto.js connects when the iteration starts, and a stream sends nothing
// from before its subscription: post until one status arrives, then time the next.
let next = events.next();
const arrival = async (id, ms) => {
  for (;;) {
    const event = await within(ms, next, 'stream event');
    next = events.next();
    if (event.value?.event === 'update' && event.value.payload.id === id) return;
  }
};
try {
  let subscribed = false;
  for (let attempt = 1; attempt <= 10 && !subscribed; attempt++) {
    const warmUp = await writer.v1.statuses.create({ status: `warming up the stream, try ${attempt}` });
    subscribed = await arrival(warmUp.id, 2000).then(
      () => true,
      () => false,
    );
  }
  check(subscribed, "the reader's user stream is subscribed");
  const key = `client-check-${started}`;
  const headers = { 'Idempotency-Key': key };
  const status = await writer.v1.statuses.create({ status: `hello from the client check at ${new Date().toISOString()}` }, { requestInit: { headers } });
  const posted = Date.now();
  await arrival(status.id, 5000);
  check(true, `a status written through ${writeUrl} reached the stream on ${readUrl} in ${Date.now() - posted} ms`);
  const retried = await writer.v1.statuses.create({ status: 'ignored: same key' }, { requestInit: { headers } });
  check(retried.id === status.id, 'a retry with the same Idempotency-Key returns the first status');

  const megalodon = generator('mastodon', readUrl, tokens.reader);
  const home = (await megalodon.getHomeTimeline({ limit: 40 })).data;
  check(home[0]?.id === status.id, `megalodon reads the home timeline, newest first (${home.length} statuses)`);
  const [relationship] = (await megalodon.getRelationships([writerAccount.id])).data;
  check(relationship?.following === true, 'megalodon reads the relationship');
  const paged = [];
  for await (const page of reader.v1.timelines.home.list({ limit: 1 })) {
    paged.push(...page.map((s) => s.id));
    if (paged.length >= 5) break;
  }
  check(paged[0] === status.id && new Set(paged).size === paged.length, "masto.js's paginator walks the home timeline, each status once");
  // Issue 11: a conversation, a reaction and the notifications they cause, across the two instances.
  const reply = await reader.v1.statuses.create({ status: `@${name}_writer agreed!`, inReplyToId: status.id });
  check(reply.inReplyToId === status.id, 'the reader replies through the read instance (masto.js)');
  const favourited = await reader.v1.statuses.$select(status.id).favourite();
  check(favourited.favourited && favourited.favouritesCount >= 1, 'the reader favourites the status');
  const context = await writer.v1.statuses.$select(status.id).context.fetch();
  check(context.descendants.some((s) => s.id === reply.id), "the writer's instance shows the reply in the thread");
  const notifications = await writer.v1.notifications.list({ limit: 10 });
  const kinds = new Set(notifications.filter((n) => n.account.username === `${name}_reader`).map((n) => n.type));
  check(kinds.has('favourite') && kinds.has('mention'), `the writer is notified of the favourite and the reply (${[...kinds].join(', ')})`);
  await reader.v1.statuses.$select(status.id).unfavourite();
  const after = await writer.v1.notifications.list({ limit: 10 });
  check(!after.some((n) => n.type === 'favourite' && n.status?.id === status.id && n.account.username === `${name}_reader`), 'unfavouriting takes the notification back');
} finally {
  subscription.unsubscribe();
  streaming.close();
}
await oauth.revoke({ clientId: app.clientId, clientSecret: app.clientSecret, token: tokens.reader });
const afterRevoke = await reader.v1.timelines.home.list().then(
  () => 200,
  (error) => error.statusCode,
);
check(afterRevoke === 401, 'a revoked token is refused');
step('all checks passed');
