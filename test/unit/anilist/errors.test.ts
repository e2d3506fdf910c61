import {
  AniListApiError,
  AniListGraphQLError,
  AniListInvalidTokenError,
  AniListMalformedResponseError,
  AniListRateLimitError,
  AniListUserNotFoundError,
  errorFromResponse,
} from '../../../shared/anilist/errors';
import { AppError } from '../../../shared/errors';

const NOW = Date.UTC(2026, 0, 1);

function classify(status: number, body: unknown, headers: Record<string, string> = {}, userName = 'Someone') {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  return errorFromResponse(
    { status, headers: new Headers({ 'content-type': 'application/json', ...headers }), bodyText },
    { nowMs: NOW, userName },
  );
}

describe('errorFromResponse', () => {
  it('HTTP 200 with an errors array is a GraphQL failure', () => {
    const err = classify(200, { data: null, errors: [{ message: 'Internal Server Error' }] });
    expect(err).toBeInstanceOf(AniListGraphQLError);
    expect(err).toMatchObject({ code: 'anilist_graphql_error', status: 200, retryable: false });
    expect((err as AniListGraphQLError).errors).toEqual([{ message: 'Internal Server Error' }]);
  });

  it('400 validation errors are GraphQL errors that carry their messages', () => {
    const err = classify(400, {
      data: null,
      errors: [{ message: 'Cannot query field "x" on type "MediaList".', status: 400, locations: [] }],
    });
    expect(err).toBeInstanceOf(AniListGraphQLError);
    expect(err.message).toContain('Cannot query field "x"');
  });

  it('404 "Not Found." names the user', () => {
    const err = classify(404, { data: { User: null }, errors: [{ message: 'Not Found.', status: 404 }] });
    expect(err).toBeInstanceOf(AniListUserNotFoundError);
    expect(err).toMatchObject({ code: 'anilist_user_not_found', userName: 'Someone', retryable: false });
  });

  it('a 404 inside an HTTP 200 counts as well', () => {
    expect(classify(200, { data: null, errors: [{ message: 'Not Found.', status: 404 }] })).toBeInstanceOf(
      AniListUserNotFoundError,
    );
  });

  it('400 "Invalid token"', () => {
    const err = classify(400, { data: null, errors: [{ message: 'Invalid token', status: 400 }] });
    expect(err).toBeInstanceOf(AniListInvalidTokenError);
    expect(err.code).toBe('anilist_invalid_token');
  });

  it('429 carries Retry-After in ms, else X-RateLimit-Reset', () => {
    const body = { data: null, errors: [{ message: 'Too Many Requests.', status: 429 }] };
    const a = classify(429, body, { 'retry-after': '42' });
    expect(a).toBeInstanceOf(AniListRateLimitError);
    expect(a).toMatchObject({ retryAfterMs: 42_000, retryable: true, code: 'anilist_rate_limited' });
    const b = classify(429, body, { 'x-ratelimit-reset': String(NOW / 1000 + 30) });
    expect((b as AniListRateLimitError).retryAfterMs).toBe(30_000);
    const c = classify(200, { data: null, errors: [{ message: 'Too Many Requests.', status: 429 }] });
    expect(c).toBeInstanceOf(AniListRateLimitError);
    expect((c as AniListRateLimitError).retryAfterMs).toBeUndefined();
  });

  it('an empty 429 (policy gave up) is still a rate-limit error', () => {
    expect(classify(429, '', { 'retry-after': '5' })).toMatchObject({
      code: 'anilist_rate_limited',
      retryAfterMs: 5000,
    });
  });

  it('HTML block pages become API errors with the page title, never a crash', () => {
    const html =
      '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body>x</body></html>';
    const err = errorFromResponse(
      { status: 403, headers: new Headers({ 'content-type': 'text/html' }), bodyText: html },
      { nowMs: NOW },
    );
    expect(err).toBeInstanceOf(AniListApiError);
    expect(err).toMatchObject({ code: 'anilist_api_error', status: 403, retryable: false });
    expect(err.message).toContain('Attention Required! | Cloudflare');
    expect(err.message).not.toContain('<body>');
  });

  it('403 "API temporarily disabled" is retryable; another 403 is not', () => {
    const disabled = classify(403, {
      data: null,
      errors: [{ message: 'The API has been temporarily disabled.', status: 403 }],
    });
    expect(disabled).toMatchObject({ code: 'anilist_api_error', status: 403, retryable: true });
    const blocked = classify(403, { data: null, errors: [{ message: 'Forbidden.', status: 403 }] });
    expect(blocked).toMatchObject({ code: 'anilist_api_error', status: 403, retryable: false });
  });

  it('5xx with a JSON envelope is a retryable API error', () => {
    const err = classify(502, { data: null, errors: [{ message: 'Bad Gateway.', status: 502 }] });
    expect(err).toBeInstanceOf(AniListApiError);
    expect(err).toMatchObject({ retryable: true, status: 502 });
  });

  it('a 200 that is not JSON is a malformed response', () => {
    const err = classify(200, '{"data":{"Page":');
    expect(err).toBeInstanceOf(AniListMalformedResponseError);
    expect(err.code).toBe('anilist_malformed_response');
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('every error is an AppError with a code', () => {
    for (const err of [classify(500, 'oops'), classify(200, ''), classify(418, { data: null })]) {
      expect(err).toBeInstanceOf(AppError);
      expect(err.code).toMatch(/^anilist_/);
    }
  });

  it('never echoes a bearer token that a body might contain', () => {
    const err = classify(200, { data: null, errors: [{ message: 'bad header Bearer abc.def.ghi' }] });
    expect(err.message).not.toContain('abc.def.ghi');
  });
});
