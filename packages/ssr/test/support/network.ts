/**
 * A `fetch` for the code under test that counts what reaches the auth server, and can play a
 * failure: the network down, or a 503, for refresh requests or every request.
 */
export interface NetworkState {
  refreshes: number;
  /** The error codes the refresh endpoint answered with (4xx/5xx). */
  refusals: string[];
  requests: string[];
  down: undefined | 'network' | '503';
  /** Which requests `down` applies to. */
  downFor: 'refresh' | 'all';
}

export function network() {
  const state: NetworkState = { refreshes: 0, refusals: [], requests: [], down: undefined, downFor: 'refresh' };
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const isRefresh = url.includes('grant_type=refresh_token');
    state.requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}${isRefresh ? '?refresh' : ''}`);
    if (isRefresh) state.refreshes++;
    if (state.down && (isRefresh || state.downFor === 'all')) {
      if (state.down === 'network') throw new TypeError('fetch failed');
      return new Response(JSON.stringify({ code: 'service_unavailable', message: 'down' }), { status: 503 });
    }
    const response = await fetch(input, init);
    if (isRefresh && !response.ok) state.refusals.push(((await response.clone().json()) as { code: string }).code);
    return response;
  }) as typeof fetch;
  return { state, fetch: fetchImpl };
}
