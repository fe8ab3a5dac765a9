/**
 * A social service over a fresh store for service tests, reading from the
 * watch-fed view or from the store, with a clock the test moves, accounts
 * signed up through the auth service, and direct writes of notification
 * records (for kinds of notification whose actions other modules write).
 */
import { type Notification, type NotificationType, notificationFor } from '../../src/domain/notification.js';
import type { Keyspace } from '../../src/kv/keys.js';
import type { KV } from '../../src/kv/kv.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService, type SocialServiceOptions } from '../../src/services/social/social-service.js';
import type { Engine } from './engines.js';
import { FAST_HASHING } from './fixtures.js';

export const START_MS = 1_700_000_000_000;

export interface SocialSetupOptions extends Partial<SocialServiceOptions> {
  /** The KV the social service writes through (say, one that loses replies); the store's own by default. */
  wrapKv?: (kv: KV) => KV;
}

export async function socialSetup(engine: Engine, withView: boolean, options: SocialSetupOptions = {}) {
  const store = await engine.open();
  let clock = START_MS;
  const tick = (ms = 1) => (clock += ms);
  const readModel = withView ? await ReadModel.start({ kv: store.kv, keys: store.keys }) : undefined;
  const { wrapKv, ...serviceOptions } = options;
  const social = new SocialService({
    now: () => clock,
    readModel,
    ...serviceOptions,
    kv: wrapKv ? wrapKv(store.kv) : store.kv,
    keys: store.keys,
  });
  const auth = new AuthService({ kv: store.kv, keys: store.keys, now: () => clock, passwordHashing: FAST_HASHING });
  const tokens = new Map<string, string>();
  const signUp = async (...names: string[]) => {
    for (const name of names) {
      tokens.set(name, (await auth.signUp(name, 'correct horse')).token);
      tick();
    }
  };
  /** The session token signUp opened for `name`. */
  const tokenOf = (name: string) => {
    const token = tokens.get(name);
    if (token === undefined) throw new Error(`${name} has not signed up`);
    return token;
  };
  const close = async () => {
    social.closeStreams();
    await readModel?.close();
    await store.close();
  };
  return { ...store, readModel, social, auth, signUp, tokenOf, tick, now: () => clock, close };
}

/** Stores a notification as the action that causes it would, at the clock's time. */
export async function writeNotification(
  { kv, keys }: { kv: KV; keys: Keyspace },
  type: NotificationType,
  actor: string,
  recipient: string,
  atMs: number,
  postId?: string,
): Promise<Notification> {
  const notification = notificationFor(type, actor, recipient, atMs, postId);
  await kv.put(keys.notification(recipient, notification.id), JSON.stringify(notification));
  return notification;
}
