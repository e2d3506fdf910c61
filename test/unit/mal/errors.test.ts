import {
  isInvalidTokenResponse,
  isRetryableMalError,
  MalApiError,
  MalAuthError,
  MalNotFoundError,
  MalRateLimitError,
  malErrorFromResponse,
  parseErrorBody,
} from '../../../shared/destinations/mal/errors';
import { NetworkError } from '../../../shared/errors';

const NOW = Date.UTC(2026, 0, 1);

function parts(status: number, bodyText: string, headers: Record<string, string> = {}) {
  return { status, bodyText, headers: new Headers(headers) };
}

describe('parseErrorBody', () => {
  test('reads {error, message, hint}', () => {
    expect(
      parseErrorBody('{"error":"invalid_grant","message":"bad","hint":"Failed to verify `code_verifier`."}'),
    ).toEqual({
      error: 'invalid_grant',
      message: 'bad',
      hint: 'Failed to verify `code_verifier`.',
      nonJson: false,
      blocked: false,
    });
  });

  test("an HTML page is summarised, not thrown; MAL's block page is recognised", () => {
    const html = '<html><head><title>Request blocked</title></head><body>Request blocked</body></html>';
    const body = parseErrorBody(html, new Headers({ 'content-type': 'text/html; charset=utf-8' }));
    expect(body).toMatchObject({ nonJson: true, blocked: true });
    expect(body.summary).toContain('text/html');
    expect(body.summary).toContain('Request blocked');
    expect(parseErrorBody('<html><title>502 Bad Gateway</title></html>')).toMatchObject({
      nonJson: true,
      blocked: false,
    });
  });

  test('an empty body falls back to the WWW-Authenticate error', () => {
    const headers = new Headers({
      'www-authenticate': 'Bearer error="invalid_token",error_description="The access token expired"',
    });
    expect(parseErrorBody('', headers)).toMatchObject({ error: 'invalid_token', nonJson: true });
    expect(parseErrorBody('   ')).toMatchObject({ nonJson: true, summary: 'empty body' });
    expect(parseErrorBody('[1,2]')).toMatchObject({ nonJson: false, summary: 'unexpected JSON' });
  });
});

describe('malErrorFromResponse', () => {
  test('400 bad_request is a permanent rejection', () => {
    const err = malErrorFromResponse(
      'PATCH /anime/1/my_list_status',
      parts(400, '{"error":"bad_request","message":"This form should not contain extra fields."}'),
      NOW,
    );
    expect(err).toBeInstanceOf(MalApiError);
    expect(err).toMatchObject({ status: 400, malError: 'bad_request', retryable: false, code: 'mal_request_rejected' });
    expect(err.message).toBe(
      'MAL PATCH /anime/1/my_list_status failed with HTTP 400 bad_request: This form should not contain extra fields.',
    );
  });

  test('invalid_content (entry pending approval) is permanent too', () => {
    const err = malErrorFromResponse('PATCH /anime/1/my_list_status', parts(400, '{"error":"invalid_content"}'), NOW);
    expect(err).toMatchObject({ malError: 'invalid_content', retryable: false });
  });

  test('401 is a MalAuthError', () => {
    const err = malErrorFromResponse('GET /users/@me', parts(401, '{"error":"invalid_token"}'), NOW);
    expect(err).toBeInstanceOf(MalAuthError);
    expect(err).toMatchObject({ malError: 'invalid_token', code: 'mal_auth_failed' });
  });

  test('403 forbidden and 429 are rate limits, with Retry-After in ms', () => {
    const forbidden = malErrorFromResponse('GET x', parts(403, '{"message":"","error":"forbidden"}'), NOW);
    expect(forbidden).toBeInstanceOf(MalRateLimitError);
    expect(forbidden).toMatchObject({ malError: 'forbidden', retryable: true });
    expect((forbidden as MalRateLimitError).retryAfterMs).toBeUndefined();
    const limited = malErrorFromResponse('GET x', parts(429, '', { 'retry-after': '12' }), NOW);
    expect(limited).toMatchObject({ retryAfterMs: 12_000, retryable: true, malError: 'non_json_response' });
  });

  test('403 naming invalid_token is an auth problem, not throttling', () => {
    expect(malErrorFromResponse('GET x', parts(403, '{"error":"invalid_token"}'), NOW)).toBeInstanceOf(MalAuthError);
  });

  test('an HTML block page is a rate limit whatever the status', () => {
    const err = malErrorFromResponse('GET x', parts(200, '<h1>Request blocked</h1>'), NOW);
    expect(err).toBeInstanceOf(MalRateLimitError);
    expect(err.malError).toBe('request_blocked');
  });

  test('404 is MalNotFoundError; 5xx HTML is a retryable outage', () => {
    expect(malErrorFromResponse('DELETE x', parts(404, '{"error":"not_found"}'), NOW)).toBeInstanceOf(MalNotFoundError);
    const outage = malErrorFromResponse('GET x', parts(503, '<html><title>503</title></html>'), NOW);
    expect(outage).toMatchObject({ retryable: true, code: 'mal_unavailable', malError: 'non_json_response' });
  });

  test('messages are redacted even if MAL echoes a token', () => {
    const err = malErrorFromResponse(
      'GET x',
      parts(400, '{"error":"bad_request","message":"got access_token=abc123"}'),
      NOW,
    );
    expect(err.message).not.toContain('abc123');
  });
});

describe('isInvalidTokenResponse', () => {
  test('reads the body or the WWW-Authenticate header, only for 401/403', () => {
    expect(isInvalidTokenResponse(parts(401, '{"error":"invalid_token"}'))).toBe(true);
    expect(isInvalidTokenResponse(parts(401, '', { 'www-authenticate': 'Bearer error="invalid_token"' }))).toBe(true);
    expect(isInvalidTokenResponse(parts(401, '{"error":"invalid_client"}'))).toBe(false);
    expect(isInvalidTokenResponse(parts(400, '{"error":"invalid_token"}'))).toBe(false);
  });
});

describe('isRetryableMalError', () => {
  test('network errors and flagged errors are retryable; others are not', () => {
    expect(isRetryableMalError(new NetworkError('reset'))).toBe(true);
    expect(isRetryableMalError(malErrorFromResponse('GET x', parts(500, ''), NOW))).toBe(true);
    expect(isRetryableMalError(malErrorFromResponse('GET x', parts(400, '{"error":"bad_request"}'), NOW))).toBe(false);
    expect(isRetryableMalError(new Error('x'))).toBe(false);
  });
});
