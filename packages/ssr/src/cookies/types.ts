/** The cookie shapes exchanged with your framework: what `getAll` gives and what `setAll` takes. */

/** A cookie the request carried: its name and its (decoded) value. */
export interface RequestCookie {
  name: string;
  value: string;
}

/**
 * The attributes of a cookie to set, in the shape Next.js (`response.cookies.set`) and most
 * cookie libraries take. `maxAge` is in **seconds**, as the `Max-Age` attribute is (Express's
 * `res.cookie` wants milliseconds: use `nodeCookies`, which writes the header itself).
 */
export interface CookieAttributes {
  path: string;
  domain?: string;
  maxAge: number;
  sameSite: 'lax' | 'strict' | 'none';
  secure: boolean;
  httpOnly: boolean;
}

/** A cookie to write on the response. An empty `value` with `maxAge: 0` deletes it. */
export interface CookieToSet {
  name: string;
  /** The raw value; the serializer (ours, or your framework's) percent-encodes it. */
  value: string;
  options: CookieAttributes;
}

/**
 * How the server client reaches your framework's cookies. The glue functions (`webCookies`,
 * `nodeCookies`) build one; any object of this shape works.
 */
export interface CookieMethods {
  /** Every cookie of the request, values decoded. Called once per server client, when first needed. */
  getAll(): RequestCookie[] | Promise<RequestCookie[]>;
  /**
   * Writes cookies on the response (and, ideally, on the request as later handlers see it).
   * Called after each client call that changed the session, never while a lock is held.
   */
  setAll(cookies: CookieToSet[]): void | Promise<void>;
  /**
   * Whether the request came over https, when the adapter knows (the glue functions do). Decides
   * the `Secure` attribute unless `cookieOptions.secure` is given.
   */
  secure?: boolean;
}
