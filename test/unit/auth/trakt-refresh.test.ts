import { createTraktAuth } from '../../../shared/destinations/trakt/oauth';

/** A token endpoint that records each request body and answers with a fresh pair. */
function recordingFetch() {
  const bodies: Record<string, unknown>[] = [];
  const fetchImpl: typeof fetch = async (_input, init) => {
    bodies.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
    return new Response(
      JSON.stringify({
        access_token: 'new-access',
        refresh_token: 'new-refresh',
        expires_in: 604800,
        token_type: 'bearer',
        created_at: 1_800_000_000,
      }),
      { status: 200, headers: { 'Content-Type': 'application/json' } },
    );
  };
  return { bodies, fetchImpl };
}

describe("Trakt's refresh request", () => {
  const base = { clientId: 'id', clientSecret: 'secret', timeoutMs: 1_000, authUrl: 'https://auth.example' };

  test('names the callback URL the app registers as its redirect_uri', async () => {
    const { bodies, fetchImpl } = recordingFetch();
    const auth = createTraktAuth({ ...base, fetch: fetchImpl, refreshRedirectUri: 'https://cb.example/callback' });
    await auth.refresh('old-refresh');
    expect(bodies).toEqual([
      {
        grant_type: 'refresh_token',
        refresh_token: 'old-refresh',
        redirect_uri: 'https://cb.example/callback',
        client_id: 'id',
        client_secret: 'secret',
      },
    ]);
  });

  test('without a known callback it names the out-of-band URI', async () => {
    const { bodies, fetchImpl } = recordingFetch();
    await createTraktAuth({ ...base, fetch: fetchImpl }).refresh('old-refresh');
    expect(bodies[0]).toMatchObject({ redirect_uri: 'urn:ietf:wg:oauth:2.0:oob' });
  });
});
