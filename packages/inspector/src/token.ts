import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A new access token: 24 random bytes as base64url (32 characters, 192 bits). Captures hold
 * secrets (cookies, bearer tokens in handshakes, message payloads), so the page is only served
 * to whoever has the URL with this token.
 */
export function createToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Whether `given` is the token, in time that does not depend on where they differ: both sides are
 * hashed first, so `timingSafeEqual` compares equal lengths and the token's length does not leak.
 */
export function tokenMatches(token: string, given: string): boolean {
  const a = createHash('sha256').update(token).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
