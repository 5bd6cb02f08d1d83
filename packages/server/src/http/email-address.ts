/**
 * One spelling per email address: the canonical form an address is stored and looked up by, so
 * that one person's address is one account however it was typed.
 *
 * The accepted shape is GoTrue's (badoux/checkmail's pattern: a local part of letters, digits and
 * ``.!#$%&'*+/=?^_`{|}~-``, an `@`, and dot-separated domain labels of letters, digits and inner
 * hyphens, at most 63 characters each; at most 255 bytes in all), lower-cased. For every address
 * GoTrue accepts, the canonical form is exactly what GoTrue stores. GoTrue refuses non-ASCII
 * addresses outright; Latchkey accepts internationalized ones (RFC 6531) but canonicalizes them
 * first, since Unicode offers many spellings of one address.
 */
import { domainToASCII } from 'node:url';

export const EMAIL_INVALID = 'Unable to validate email address: invalid format';

// Characters nobody can see or type on purpose, refused rather than normalized away: controls,
// format characters (zero-width space and joiners, bidi overrides and isolates, soft hyphen,
// BOM), lone surrogates, private use, unassigned code points, every kind of space and line
// separator, and the default-ignorables that render as nothing (fillers, variation selectors).
// Each would make a second account that looks like the first in every list and email client.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Z}\p{Default_Ignorable_Code_Point}]/u;
// GoTrue's local part, plus any other (visible) non-ASCII character.
const LOCAL_PART = /^(?:[a-z0-9.!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7f])+$/u;
// GoTrue's domain: labels of letters, digits and inner hyphens, 1–63 characters each.
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
// GoTrue refuses addresses longer than 255 bytes.
const MAX_BYTES = 255;

/**
 * NFKC folds the compatibility spellings of a character into one: full-width `ｊｏｓé＠ｅｘ.ｃｏｍ`,
 * ligatures (`ﬁ`), composed and decomposed accents (`é` as one code point or `e` + U+0301) all
 * become `josé@ex.com`. NFC alone would leave full-width letters and ligatures as second
 * accounts; an address with a real compatibility character in it does not exist in practice.
 * Lower-casing can leave a string that NFKC changes again, so both run until nothing changes
 * (twice at most for any string we know of; the bound keeps a pathological one from looping).
 */
function fold(value: string): string | undefined {
  let current = value;
  for (let round = 0; round < 4; round++) {
    const next = current.normalize('NFKC').toLowerCase();
    if (next === current) return current;
    current = next;
  }
  return undefined;
}

/** The canonical form of `input`, or GoTrue's message for why it is not an email address. */
export function canonicalEmail(input: string): { email: string } | { error: string } {
  const raw = input.trim();
  if (raw === '') return { error: 'An email address is required' };
  // Bounds the normalization work before it starts; the stored form is checked below.
  if (raw.length > 4 * MAX_BYTES) return { error: 'An email address is too long' };
  if (INVISIBLE.test(raw)) return { error: EMAIL_INVALID };
  const folded = fold(raw);
  // NFKC can turn a visible character into a space (U+2000 → U+0020): check again after it.
  if (folded === undefined || INVISIBLE.test(folded)) return { error: EMAIL_INVALID };
  const at = folded.indexOf('@');
  if (at <= 0 || at !== folded.lastIndexOf('@')) return { error: EMAIL_INVALID };
  const local = folded.slice(0, at);
  let domain = folded.slice(at + 1);
  if (!LOCAL_PART.test(local)) return { error: EMAIL_INVALID };
  // An internationalized domain is stored as its A-label (xn--…), so `bücher.de` and
  // `xn--bcher-kva.de`, two spellings of one domain, are one account; ASCII domains are kept as
  // GoTrue keeps them (an invalid xn-- label included).
  if (/[^\x00-\x7f]/.test(domain)) domain = domainToASCII(domain);
  if (!DOMAIN.test(domain)) return { error: EMAIL_INVALID };
  const email = `${local}@${domain}`;
  if (Buffer.byteLength(email) > MAX_BYTES) return { error: 'An email address is too long' };
  return { email };
}
