import {
  createPkceVerifier,
  createState,
  isValidPkceVerifier,
  isValidState,
  pkceChallenge,
} from '../../../shared/auth/pkce';
import { createMalAuth } from '../../../shared/destinations/mal/oauth';

describe('PKCE verifier', () => {
  it('is 128 characters from the RFC 7636 unreserved set', () => {
    for (let i = 0; i < 50; i++) {
      const v = createPkceVerifier();
      expect(v).toHaveLength(128);
      expect(v).toMatch(/^[A-Za-z0-9\-._~]+$/);
      expect(isValidPkceVerifier(v)).toBe(true);
    }
  });

  it('differs on every call', () => {
    const seen = new Set(Array.from({ length: 200 }, () => createPkceVerifier()));
    expect(seen.size).toBe(200);
  });

  it('MyAnimeList uses the plain method: the challenge is the verifier', () => {
    const v = createPkceVerifier();
    expect(createMalAuth({ clientId: 'c', fetch, timeoutMs: 1000 }).pkceMethod).toBe('plain');
    expect(pkceChallenge(v, 'plain')).toBe(v);
  });

  it('S256: the challenge is BASE64URL(SHA-256(verifier)) (RFC 7636 appendix B)', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'S256')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('rejects verifiers outside the RFC grammar', () => {
    expect(isValidPkceVerifier('a'.repeat(42))).toBe(false);
    expect(isValidPkceVerifier('a'.repeat(129))).toBe(false);
    expect(isValidPkceVerifier(`${'a'.repeat(50)}+/`)).toBe(false);
    expect(isValidPkceVerifier('a'.repeat(43))).toBe(true);
  });
});

describe('state', () => {
  it('is URL-safe and carries at least 128 bits', () => {
    const s = createState();
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
    // base64url: 6 bits per character
    expect(s.length * 6).toBeGreaterThanOrEqual(128);
    expect(encodeURIComponent(s)).toBe(s);
    expect(isValidState(s)).toBe(true);
  });

  it('is unique across many calls and uses the whole alphabet', () => {
    const states = Array.from({ length: 1000 }, () => createState());
    expect(new Set(states).size).toBe(1000);
    const chars = new Set(states.join(''));
    // 43k random base64url characters cover all 64 symbols; a broken generator would not.
    expect(chars.size).toBe(64);
  });

  it('rejects anything not shaped like our own states (no path tricks)', () => {
    const good = createState();
    for (const bad of [
      '',
      '../../tokens',
      `${good.slice(0, 40)}/..`,
      `${good}x`,
      good.slice(1),
      'a'.repeat(43).replace('a', '.'),
    ]) {
      expect(isValidState(bad)).toBe(false);
    }
  });
});
