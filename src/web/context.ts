import type { Auth } from '../domain/auth.js';
import type { Social } from '../domain/social.js';
import type { CookieSettings } from './session.js';

/** What every route module is given: the two domain interfaces and nothing that holds state. */
export interface RouteContext {
  auth: Auth;
  social: Social;
  cookies: CookieSettings;
}
