/** `redirect_to`: where a link sent by email leads. GoTrue reads it from the query string (as supabase-js sends it). */

/** `path` with `?redirect_to=` when `redirectTo` is given. */
export function withRedirect(path: string, redirectTo: string | undefined): string {
  return redirectTo ? `${path}?redirect_to=${encodeURIComponent(redirectTo)}` : path;
}
