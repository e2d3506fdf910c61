import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startHttpApiBridge } from '../../../local/http-api-bridge';

/** The callback port's API Gateway stand-in passes a form's body to its route, and refuses one past 64 KB. */
describe('HTTP API bridge: request bodies', () => {
  let bridge: Awaited<ReturnType<typeof startHttpApiBridge>>;
  const seen: (string | undefined)[] = [];

  beforeAll(async () => {
    bridge = await startHttpApiBridge({
      routes: {
        'POST /form': async (event: APIGatewayProxyEventV2) => {
          seen.push(event.body);
          return { statusCode: 200, body: 'ok' };
        },
      },
    });
  });
  afterAll(() => bridge.close());
  beforeEach(() => {
    seen.length = 0;
  });

  test('a small body reaches the route as text; an empty one as undefined', async () => {
    const small = await fetch(`${bridge.url}/form`, { method: 'POST', body: 'a=1&b=%C3%A9' });
    expect(small.status).toBe(200);
    const empty = await fetch(`${bridge.url}/form`, { method: 'POST' });
    expect(empty.status).toBe(200);
    expect(seen).toEqual(['a=1&b=%C3%A9', undefined]);
  });

  test('a body past 64 KB is refused with 413 and never reaches the route', async () => {
    const res = await fetch(`${bridge.url}/form`, { method: 'POST', body: 'x'.repeat(64 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(seen).toEqual([]);
    // Exactly the limit still passes.
    const atLimit = await fetch(`${bridge.url}/form`, { method: 'POST', body: 'x'.repeat(64 * 1024) });
    expect(atLimit.status).toBe(200);
  });
});
