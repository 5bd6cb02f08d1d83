/** The wire shapes of GoTrue's /passkeys API. */

/** One of the user's passkeys, as `GET /passkeys` lists it. */
export interface Passkey {
  id: string;
  friendly_name: string;
  created_at: string;
  last_used_at?: string | null;
}

/** What the options endpoints answer: the challenge's id and the browser's options (JSON). */
export interface CeremonyStart {
  challenge_id: string;
  options: Record<string, unknown>;
  expires_at: number;
}
