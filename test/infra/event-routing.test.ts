import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Template } from 'aws-cdk-lib/assertions';
import { buildCallbackDeps, makeCallbackHandler } from '../../lambdas/oauth-callback/handler';
import { createAwsPlatform, type Platform } from '../../lambdas/runtime';
import { buildSyncWorkerDeps, makeSyncHandler } from '../../lambdas/sync-worker/handler';
import { type AniListSandbox, startAniListSandbox } from '../../local/sandbox/anilist/server';
import { type MalSandbox, startMalSandbox } from '../../local/sandbox/mal/server';
import { startTraktSandbox, type TraktSandbox } from '../../local/sandbox/trakt';
import { createPendingAuthorization } from '../../shared/auth/pending';
import { createEventBridgePublisher } from '../../shared/aws/eventbridge';
import { systemClock } from '../../shared/clock';
import { loadCallbackConfig, loadMailerConfig, loadWorkerConfig } from '../../shared/destinations';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../shared/events';
import { silentLogger } from '../../shared/log';
import { MemoryStore } from '../../shared/store/memory-store';
import {
  type DeliveredEvent,
  type EventTaps,
  motoClientConfig,
  type PatternRule,
  tapRules,
} from '../support/event-taps';
import { describeWithMoto, type Moto, startMoto } from '../support/moto';
import { environmentOf, type FunctionRole, functionIds, REAL_SETTINGS, resourcesOf, synthMirror } from './support';

/**
 * The stack's event wiring, proven on moto's EventBridge rather than read off the template: every
 * event rule of the synthesized stack goes onto moto as it is (bus and pattern) with an SQS tap in
 * place of its function, and the Lambda handlers, built from the template's own environment,
 * publish their real events through the production EventBridge publisher.
 */

const MAL_CLIENT_ID = 'routing-mal-client';
const TRAKT_CLIENT_ID = 'routing-trakt-client';
const TRAKT_CLIENT_SECRET = 'routing-trakt-secret';
const CALLBACK_URL = 'https://cb.example.test/callback';

const { template } = synthMirror({
  ...REAL_SETTINGS,
  destinations: 'mal,trakt',
  'mal.clientId': MAL_CLIENT_ID,
  'trakt.clientId': TRAKT_CLIENT_ID,
});
const ids = functionIds(template);

interface RoutedRule extends PatternRule {
  /** The function the stack's rule invokes. */
  readonly target: FunctionRole;
}

/**
 * The template's event-pattern rules (schedules match no events and are left out), each with the
 * function it targets, told by what the function does (`functionIds`), not by its logical id.
 */
function eventRules(t: Template): RoutedRule[] {
  const roleOf = new Map(Object.entries(ids).map(([role, id]) => [id, role as FunctionRole]));
  return resourcesOf(t, 'AWS::Events::Rule')
    .filter(([, rule]) => (rule.Properties as Record<string, unknown>).EventPattern !== undefined)
    .flatMap(([name, rule]) => {
      const props = rule.Properties as { EventBusName?: unknown; EventPattern: unknown; Targets: { Arn: unknown }[] };
      return props.Targets.map((target) => {
        const arn = target.Arn as { 'Fn::GetAtt'?: [string, string] };
        const role = arn['Fn::GetAtt']?.[1] === 'Arn' ? roleOf.get(arn['Fn::GetAtt'][0]) : undefined;
        if (!role) throw new Error(`rule ${name} targets ${JSON.stringify(target.Arn)}, not one of the functions`);
        return { name, bus: busName(t, props.EventBusName ?? 'default'), pattern: props.EventPattern, target: role };
      });
    });
}

/** A bus as the template names it: a literal name, or a `Ref` to a bus the stack creates. */
function busName(t: Template, value: unknown): string {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: string }).Ref;
  const bus = ref ? (t.toJSON().Resources[ref] as { Type: string; Properties: { Name: string } }) : undefined;
  if (bus?.Type !== 'AWS::Events::EventBus') throw new Error(`cannot tell the event bus ${JSON.stringify(value)}`);
  return bus.Properties.Name;
}

/**
 * A function's environment as deployed: the template's values, with the ones only CloudFormation
 * can resolve given stand-ins (the bucket is replaced by an in-memory store; the callback's URL is
 * the API's). Anything else unresolved is a new kind of value this test must learn about.
 */
function deployedEnvironment(role: FunctionRole): Record<string, string> {
  const standIns: Record<string, string> = { STATE_BUCKET: 'mirror-state', CALLBACK_URL };
  return Object.fromEntries(
    Object.entries(environmentOf(template, ids[role])).map(([key, value]) => {
      if (typeof value === 'string') return [key, value];
      if (key === 'EVENT_BUS_NAME') return [key, busName(template, value)];
      if (key in standIns) return [key, standIns[key]!];
      throw new Error(`${role}'s ${key} is ${JSON.stringify(value)}: give it a stand-in`);
    }),
  );
}

/** The sandboxes are the only hosts the functions may reach here. */
const loopbackFetch: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.hostname !== '127.0.0.1') return Promise.reject(new Error(`no network in this test: ${url.origin}`));
  return fetch(input, init);
};

describeWithMoto('event routing of the synthesized stack on moto EventBridge', () => {
  const rules = eventRules(template);
  let moto: Moto;
  let taps: EventTaps;
  let anilist: AniListSandbox;
  let mal: MalSandbox;
  let trakt: TraktSandbox;

  beforeAll(async () => {
    [moto, anilist, mal, trakt] = await Promise.all([
      startMoto(),
      startAniListSandbox({ user: { name: REAL_SETTINGS.anilistUsername } }),
      startMalSandbox({ clientId: MAL_CLIENT_ID, redirectUris: [CALLBACK_URL] }),
      startTraktSandbox({ clientId: TRAKT_CLIENT_ID, clientSecret: TRAKT_CLIENT_SECRET, redirectUris: [CALLBACK_URL] }),
    ]);
    taps = await tapRules(moto.endpoint, rules);
  });
  afterAll(async () => {
    await Promise.all([moto?.stop(), anilist?.close(), mal?.close(), trakt?.close()]);
  });
  // Each test sees only what it published, even after another one failed before looking.
  beforeEach(() => taps.drain());

  /** What reached each function's rules since the last look. */
  async function deliveredTo(): Promise<Record<FunctionRole, DeliveredEvent[]>> {
    const byRule = await taps.drain();
    const byTarget: Record<FunctionRole, DeliveredEvent[]> = { worker: [], mailer: [], callback: [] };
    for (const rule of rules) byTarget[rule.target].push(...(byRule[rule.name] ?? []));
    return byTarget;
  }

  /** What the Lambda handler gets in AWS, but with its store in memory and its events going to moto. */
  function platformFor(config: { base: Parameters<typeof createAwsPlatform>[0] }, store: MemoryStore): Platform {
    return createAwsPlatform(config.base, {
      store,
      events: createEventBridgePublisher(
        new EventBridgeClient(motoClientConfig(moto.endpoint)),
        config.base.EVENT_BUS_NAME,
      ),
      fetch: loopbackFetch,
      // The only parameter the functions read here is Trakt's client secret.
      readParameter: async () => TRAKT_CLIENT_SECRET,
      clock: systemClock,
      logger: silentLogger,
    });
  }

  /** The destinations' sandbox hosts in place of the real ones. */
  const sandboxHosts = () => ({
    ANILIST_URL: anilist.url,
    MAL_OAUTH_URL: mal.oauthUrl,
    MAL_API_URL: mal.apiUrl,
    TRAKT_API_URL: trakt.apiUrl,
    TRAKT_AUTH_URL: trakt.authUrl,
  });

  test('the stack routes events to the mailer and the worker (the schedules are not event rules)', () => {
    expect(rules.map((r) => r.target).sort()).toEqual(['mailer', 'worker']);
  });

  test('a worker run without tokens: each destination\'s "Reauth Required" reaches the mailer\'s rule only', async () => {
    const config = loadWorkerConfig({ ...deployedEnvironment('worker'), ...sandboxHosts() });
    const worker = makeSyncHandler(await buildSyncWorkerDeps(config, platformFor(config, new MemoryStore())));

    const result = await worker({});

    expect(result).toMatchObject({ status: 'reauth_required' });
    const delivered = await deliveredTo();
    expect(delivered.worker).toEqual([]);
    const seen = delivered.mailer.map((e) => [e.source, e['detail-type'], e.detail.destination, e.detail.reason]);
    expect(seen.sort()).toEqual([
      [EVENT_SOURCE, DETAIL_TYPES.reauthRequired, 'mal', 'no_tokens'],
      [EVENT_SOURCE, DETAIL_TYPES.reauthRequired, 'trakt', 'no_tokens'],
    ]);
  });

  test.each([
    ['mal', 'MyAnimeList'],
    ['trakt', 'Trakt'],
  ])('the user approves a %s link: "Authorization Completed" reaches the worker\'s rule only', async (destination) => {
    const store = new MemoryStore();
    const authorizeUrl = await issueLink(store, destination);
    const redirect = await approveOnConsentPage(authorizeUrl);
    const config = loadCallbackConfig({ ...deployedEnvironment('callback'), ...sandboxHosts() });
    const callback = makeCallbackHandler(await buildCallbackDeps(config, platformFor(config, store)));

    const page = await callback({
      rawPath: redirect.pathname,
      rawQueryString: redirect.search.slice(1),
      headers: {},
      requestContext: { domainName: redirect.hostname },
    } as never);

    expect(page.statusCode).toBe(200);
    const delivered = await deliveredTo();
    expect(delivered.mailer).toEqual([]);
    expect(delivered.worker).toEqual([
      expect.objectContaining({
        source: EVENT_SOURCE,
        'detail-type': DETAIL_TYPES.authorizationCompleted,
        detail: expect.objectContaining({ destination }),
      }),
    ]);
  });

  test('events from another source, or of another type, reach no rule', async () => {
    const client = new EventBridgeClient(motoClientConfig(moto.endpoint));
    const bus = deployedEnvironment('worker').EVENT_BUS_NAME;
    const entry = (source: string, detailType: string) => ({
      EventBusName: bus,
      Source: source,
      DetailType: detailType,
      Detail: JSON.stringify({ destination: 'mal', reason: 'no_tokens', at: new Date().toISOString() }),
    });
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          entry('someone-else', DETAIL_TYPES.reauthRequired),
          entry('someone-else', DETAIL_TYPES.authorizationCompleted),
          entry(EVENT_SOURCE, 'Sync Finished'),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(await deliveredTo()).toEqual({ worker: [], mailer: [], callback: [] });
  });

  /**
   * The mailer's part of a link: a pending authorization in the store and the provider's authorize
   * URL, built by the mailer's own wiring of the destination from its template environment.
   */
  async function issueLink(store: MemoryStore, destination: string): Promise<string> {
    const config = loadMailerConfig({ ...deployedEnvironment('mailer'), ...sandboxHosts() });
    const wired = config.auth.find((d) => d.module.key === destination);
    if (!wired) throw new Error(`the mailer is not set up for ${destination}`);
    const { provider } = wired.module.mailer(wired.config, {
      fetch: loopbackFetch,
      timeoutMs: 5_000,
      clock: systemClock,
      logger: silentLogger,
    });
    const pending = await createPendingAuthorization({
      store,
      clock: systemClock,
      linkTtlHours: 1,
      destination,
      pkceMethod: provider.pkceMethod,
    });
    return provider.authorizeUrl({
      state: pending.state,
      codeChallenge: pending.codeChallenge,
      redirectUri: CALLBACK_URL,
    });
  }
});

/** The user presses "Approve" on the sandbox's consent page; returns where it redirects (the callback). */
async function approveOnConsentPage(authorizeUrl: string): Promise<URL> {
  const consent = await fetch(authorizeUrl);
  const page = await consent.text();
  if (consent.status !== 200) throw new Error(`the consent page answered ${consent.status}: ${page.slice(0, 200)}`);
  const form = /<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(page);
  if (!form) throw new Error('the consent page has no form');
  const fields = new URLSearchParams({ decision: 'approve' });
  for (const [, name, value] of form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.append(unescapeHtml(name!), unescapeHtml(value!));
  }
  const approved = await fetch(new URL(form[1]!, authorizeUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  });
  await approved.arrayBuffer();
  const location = approved.headers.get('location');
  if (approved.status !== 302 || !location) throw new Error(`approving did not redirect (HTTP ${approved.status})`);
  return new URL(location);
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
