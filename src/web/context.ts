import type { Auth } from '../domain/auth.js';
import type { Social } from '../domain/social.js';
import type { StatusSource } from '../domain/status.js';
import type { RequestStats } from './admin/request-stats.js';
import type { CookieSettings } from './session.js';

/** What every route module is given: the two domain interfaces and nothing that holds state. */
export interface RouteContext {
  auth: Auth;
  social: Social;
  cookies: CookieSettings;
  /** The status page's administrators and sources; absent means no one is an administrator. */
  admin?: AdminContext | undefined;
}

/** Who may see /admin and where its figures come from. */
export interface AdminContext {
  /** Usernames named by CHORUS_ADMINS. */
  admins: readonly string[];
  /** The deployment's state; absent where this web process cannot ask. */
  status?: StatusSource | undefined;
  requests: RequestStats;
}
