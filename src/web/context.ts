import type { Auth } from '../domain/auth.js';
import type { Social } from '../domain/social.js';
import type { AdminContext } from './admin/routes.js';
import type { CookieSettings } from './session.js';

/** What every route module is given: the two domain interfaces and nothing that holds state. */
export interface RouteContext {
  auth: Auth;
  social: Social;
  cookies: CookieSettings;
  /** The status page's administrators and sources; absent means no one is an administrator. */
  admin?: AdminContext | undefined;
}
