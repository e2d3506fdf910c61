import { isInvalidGrant, MalOAuthError } from '../../../shared/destinations/mal/oauth';
import { AppError } from '../../../shared/errors';

function oauthError(status: number, oauthError: string, malMessage?: string) {
  return new MalOAuthError('x', {
    status,
    oauthError,
    ...(malMessage !== undefined ? { malMessage } : {}),
    retryable: false,
  });
}

describe('isInvalidGrant', () => {
  test('true for invalid_grant', () => {
    expect(isInvalidGrant(oauthError(400, 'invalid_grant'))).toBe(true);
  });

  test('true for MAL\'s 401 invalid_request "The refresh token is invalid."', () => {
    expect(isInvalidGrant(oauthError(401, 'invalid_request', 'The refresh token is invalid.'))).toBe(true);
  });

  test('false for other invalid_request answers, client errors, outages and foreign errors', () => {
    expect(isInvalidGrant(oauthError(400, 'invalid_request', 'The request is missing a required parameter'))).toBe(
      false,
    );
    expect(isInvalidGrant(oauthError(400, 'invalid_request', 'The refresh token is invalid.'))).toBe(false);
    expect(isInvalidGrant(oauthError(401, 'invalid_client', 'Client authentication failed'))).toBe(false);
    expect(isInvalidGrant(oauthError(503, 'invalid_response'))).toBe(false);
    expect(isInvalidGrant(new AppError('network_error', 'invalid_grant'))).toBe(false);
    expect(isInvalidGrant(new Error('invalid_grant'))).toBe(false);
    expect(isInvalidGrant(undefined)).toBe(false);
    expect(isInvalidGrant('invalid_grant')).toBe(false);
  });

  test('MalOAuthError messages are redacted', () => {
    const err = new MalOAuthError('failed for refresh_token=abc.def and Bearer xyz', {
      status: 400,
      oauthError: 'invalid_grant',
      retryable: false,
    });
    expect(err.message).not.toMatch(/abc\.def|xyz/);
    expect(err.code).toBe('mal_oauth_error');
  });
});
