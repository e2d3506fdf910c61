import { createHash, randomBytes } from 'node:crypto';
import type { PkceMethod } from './provider';

/** RFC 7636 §4.1 allows 43–128 characters; the maximum gives the most entropy. */
export const PKCE_VERIFIER_LENGTH = 128;

/**
 * A code verifier of 128 characters. base64url's alphabet (A–Z a–z 0–9 - _) is a subset of the
 * RFC 7636 unreserved set, and 96 random bytes encode to exactly 128 characters with no modulo
 * bias (768 bits of entropy).
 */
export function createPkceVerifier(): string {
  return randomBytes((PKCE_VERIFIER_LENGTH / 4) * 3).toString('base64url');
}

/**
 * The challenge sent to /authorize for `verifier` (RFC 7636 §4.2): `plain` is the verifier itself
 * (MAL supports nothing else; S256 fails there), `S256` is BASE64URL(SHA-256(verifier)) (Trakt).
 */
export function pkceChallenge(verifier: string, method: PkceMethod): string {
  return method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
}

/** RFC 7636 verifier grammar: 43–128 unreserved characters. */
export function isValidPkceVerifier(value: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(value);
}

/** Bytes of randomness in a state value: 256 bits, well over the 128 bits required. */
const STATE_BYTES = 32;
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** An unguessable, URL-safe `state` (43 base64url characters). It also names the pending record in S3. */
export function createState(): string {
  return randomBytes(STATE_BYTES).toString('base64url');
}

/**
 * True only for values shaped exactly like `createState` output. Checked before the state is used in
 * an object key, so `../`, slashes, dots or oversized input can never reach the store.
 */
export function isValidState(value: string): boolean {
  return STATE_PATTERN.test(value);
}
