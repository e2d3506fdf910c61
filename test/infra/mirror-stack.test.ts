import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { workerTimeoutMinutes } from '../../infra/config';
import { callbackBaseSchema, mailerBaseSchema, syncBaseSchema } from '../../shared/config';
import { loadCallbackConfig, loadMailerConfig, loadWorkerConfig } from '../../shared/destinations';
import { malModule } from '../../shared/destinations/mal';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../shared/events';
import { KEYS } from '../../shared/store/store';
import {
  asArray,
  EXTENSION_SETTINGS,
  environmentOf,
  type FunctionRole,
  functionIds,
  layersOf,
  REAL_SETTINGS,
  resourcesOf,
  type Statement,
  s3Target,
  statementsOfFunction,
  synthMirror,
} from './support';

// One synth of the default (cdk.json) configuration shared by most tests, plus one fully-loaded variant.
const base = synthMirror();
const template = base.template;
const ids = functionIds(template);
const bucketId = Object.keys(template.findResources('AWS::S3::Bucket'))[0]!;

const SECRET_PARAM = '/anilist-mal-mirror/mal-client-secret';
const TOKEN_PARAM = 'anilist-token';
const FAKE_SECRET_VALUE = 'sEcReT-value-that-must-never-appear-0123456789';
const full = (() => {
  // If anything in infra ever read secrets from the environment, this value would leak into the template.
  process.env.MAL_CLIENT_SECRET = FAKE_SECRET_VALUE;
  process.env.ANILIST_TOKEN = FAKE_SECRET_VALUE;
  try {
    return synthMirror({
      ...REAL_SETTINGS,
      syncIntervalMinutes: '5',
      'mal.prune': 'true',
      'mal.partialDates': 'send',
      'mal.idOverrides': '{"21":21}',
      'mal.clientSecretParameter': SECRET_PARAM,
      anilistTokenParameter: TOKEN_PARAM,
      'mal.username': 'mal-me',
      alarmEmail: 'alerts@mail.test',
      exclude: '{"mal":[1535]}',
    });
  } finally {
    delete process.env.MAL_CLIENT_SECRET;
    delete process.env.ANILIST_TOKEN;
  }
})();
const fullIds = functionIds(full.template);
const fullBucketId = Object.keys(full.template.findResources('AWS::S3::Bucket'))[0]!;

function ruleTargeting(t: Template, functionId: string, pattern: Record<string, unknown> | undefined) {
  return resourcesOf(t, 'AWS::Events::Rule').filter(([, r]) => {
    const props = r.Properties as Record<string, unknown>;
    const hits = (props.Targets as { Arn: unknown }[]).some(
      (target) => JSON.stringify(target.Arn) === JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] }),
    );
    return hits && (pattern === undefined || JSON.stringify(props.EventPattern) === JSON.stringify(pattern));
  });
}

describe('sync worker', () => {
  test('runs on the configured rate (default 15 minutes, overridable as a -c string)', () => {
    expect(ruleTargeting(template, ids.worker, undefined).map(([, r]) => r.Properties)).toContainEqual(
      expect.objectContaining({ ScheduleExpression: 'rate(15 minutes)' }),
    );
    expect(ruleTargeting(full.template, fullIds.worker, undefined).map(([, r]) => r.Properties)).toContainEqual(
      expect.objectContaining({ ScheduleExpression: 'rate(5 minutes)' }),
    );
  });

  test('ARM64, Node.js 24, reserved concurrency 1, explicit memory, timeout below the interval', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ANILIST_USERNAME: Match.anyValue() }) },
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      ReservedConcurrentExecutions: 1,
      MemorySize: 256,
      Timeout: 600,
      TracingConfig: { Mode: 'Active' },
    });
    full.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ANILIST_USERNAME: Match.anyValue() }) },
      Timeout: 4 * 60,
    });
  });

  test.each([2, 3, 5, 11, 15, 60, 1440])('timeout stays below a %i-minute interval and at most 10 minutes', (m) => {
    const t = workerTimeoutMinutes(m);
    expect(t).toBeGreaterThanOrEqual(1);
    expect(t).toBeLessThan(m);
    expect(t).toBeLessThanOrEqual(10);
  });

  test('failed async invocations are not retried and land in the encrypted failure queue', () => {
    const queue = new Capture();
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.worker },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    expect(template.toJSON().Resources[queue.asString()]).toMatchObject({
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue.asString() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('environment follows the config', () => {
    expect(environmentOf(full.template, fullIds.worker)).toMatchObject({
      ANILIST_USERNAME: 'mirror-tester',
      PRUNE: 'true',
      MIRROR_PRIVATE: 'false',
      PARTIAL_DATES: 'send',
      ID_OVERRIDES: '{"21":21}',
      FULL_SYNC_INTERVAL_HOURS: '24',
      MAL_CLIENT_SECRET_PARAMETER: SECRET_PARAM,
      ANILIST_TOKEN_PARAMETER: TOKEN_PARAM,
      DEADLINE_SAFETY_MS: '20000',
      EXCLUDE: '{"mal":[1535]}',
    });
    expect(environmentOf(template, ids.worker)).not.toHaveProperty('ID_OVERRIDES');
    // Nothing excluded (cdk.json's `[]`): the worker's environment is as it always was.
    expect(environmentOf(template, ids.worker)).not.toHaveProperty('EXCLUDE');
    expect(environmentOf(template, ids.worker)).toMatchObject({ PARTIAL_DATES: 'leave' });
  });
});

describe('every function', () => {
  test.each(['worker', 'mailer', 'callback'] as FunctionRole[])('%s: runtime, arch, logging, common env', (role) => {
    const fn = template.toJSON().Resources[ids[role]];
    const logGroup = new Capture();
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: fn.Properties.Description,
      LoggingConfig: { LogGroup: { Ref: logGroup } },
    });
    expect(template.toJSON().Resources[logGroup.asString()]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    });
    expect(environmentOf(template, ids[role])).toMatchObject({
      STATE_BUCKET: { Ref: bucketId },
      EVENT_BUS_NAME: 'default',
      LOG_LEVEL: 'info',
      MAL_CLIENT_ID: 'your-mal-client-id',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  test('only the variables each function needs', () => {
    const callbackEnv = environmentOf(full.template, fullIds.callback);
    expect(callbackEnv).toMatchObject({ MAL_CLIENT_SECRET_PARAMETER: SECRET_PARAM, MAL_USERNAME: 'mal-me' });
    for (const absent of ['CALLBACK_URL', 'NOTIFY_EMAIL', 'SENDER_EMAIL', 'ANILIST_TOKEN_PARAMETER']) {
      expect(callbackEnv).not.toHaveProperty(absent);
    }
    const mailerEnv = environmentOf(full.template, fullIds.mailer);
    expect(mailerEnv).toMatchObject({ NOTIFY_EMAIL: 'me@mail.test', SENDER_EMAIL: 'bot@mail.test' });
    expect(mailerEnv).not.toHaveProperty('MAL_CLIENT_SECRET_PARAMETER');
    expect(mailerEnv).not.toHaveProperty('ANILIST_TOKEN_PARAMETER');
  });
});

describe('runtime contract (shared/config.ts, shared/destinations)', () => {
  const shapeOf = (schema: unknown) => Object.keys((schema as { shape: Record<string, unknown> }).shape);
  /** Each function's loader, and every name it reads: the common keys and MyAnimeList's (the default destination). */
  const schemas = {
    worker: { load: loadWorkerConfig, names: [...shapeOf(syncBaseSchema), ...shapeOf(malModule.workerConfig)] },
    mailer: { load: loadMailerConfig, names: [...shapeOf(mailerBaseSchema), ...shapeOf(malModule.config.mailer)] },
    callback: {
      load: loadCallbackConfig,
      names: [...shapeOf(callbackBaseSchema), ...shapeOf(malModule.config.callback)],
    },
  };
  /** CloudFormation references become what they resolve to at deploy time: a bucket name, a URL. */
  const resolved = (value: unknown): string =>
    typeof value === 'string'
      ? value
      : JSON.stringify(value).includes('ApiEndpoint')
        ? 'https://abc123.execute-api.eu-west-1.amazonaws.com/callback'
        : 'resolved-at-deploy-time';

  test.each(['worker', 'mailer', 'callback'] as FunctionRole[])(
    "%s: the environment the stack sets passes the function's own config schema, with no stray names",
    (role) => {
      for (const [t, fnIds] of [
        [template, ids],
        [full.template, fullIds],
      ] as const) {
        const env = Object.fromEntries(Object.entries(environmentOf(t, fnIds[role])).map(([k, v]) => [k, resolved(v)]));
        expect(() => schemas[role].load(env)).not.toThrow();
        const known = schemas[role].names;
        // The extension's settings come with its layer, and only with it.
        const hasExtension = layersOf(t, fnIds[role]).length > 0;
        for (const name of Object.keys(env)) {
          if (name === 'NODE_OPTIONS' || (hasExtension && name in EXTENSION_SETTINGS)) continue;
          expect(known).toContain(name);
        }
      }
    },
  );
});

describe('events', () => {
  test('"Reauth Required" from the worker triggers the mailer', () => {
    const rules = ruleTargeting(template, ids.mailer, {
      source: [EVENT_SOURCE],
      'detail-type': [DETAIL_TYPES.reauthRequired],
    });
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({ EventBusName: 'default' });
  });

  test('the mailer also runs daily', () => {
    const schedules = ruleTargeting(template, ids.mailer, undefined)
      .map(([, r]) => (r.Properties as { ScheduleExpression?: string }).ScheduleExpression)
      .filter(Boolean);
    expect(schedules).toEqual(['cron(0 8 * * ? *)']);
  });

  test('"Authorization Completed" from the callback triggers the worker', () => {
    expect(
      ruleTargeting(template, ids.worker, {
        source: [EVENT_SOURCE],
        'detail-type': [DETAIL_TYPES.authorizationCompleted],
      }),
    ).toHaveLength(1);
  });

  test('every rule target has a dead-letter queue', () => {
    for (const [, rule] of resourcesOf(template, 'AWS::Events::Rule')) {
      for (const target of (rule.Properties as { Targets: Record<string, unknown>[] }).Targets) {
        expect(target.DeadLetterConfig).toBeDefined();
      }
    }
  });

  test('the worker and the callback may publish on the bus; the mailer may not', () => {
    const publishes = (id: string) =>
      statementsOfFunction(template, id).some((s) => asArray(s.Action).includes('events:PutEvents'));
    expect(publishes(ids.worker)).toBe(true);
    expect(publishes(ids.callback)).toBe(true);
    expect(publishes(ids.mailer)).toBe(false);
  });

  test('publishing is limited to the project’s event source on the default bus', () => {
    for (const id of [ids.worker, ids.callback]) {
      const puts = statementsOfFunction(template, id).filter((s) => asArray(s.Action).includes('events:PutEvents'));
      expect(puts).toEqual([
        {
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: expect.anything(),
          Condition: { StringEquals: { 'events:source': EVENT_SOURCE } },
        },
      ]);
      expect(JSON.stringify(puts[0]!.Resource)).toContain(':event-bus/default');
    }
  });
});

describe('OAuth callback API', () => {
  test('GET /callback is the only route and invokes the callback function', () => {
    const integration = new Capture();
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /callback',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integration }]] },
    });
    const integrationUri = template.toJSON().Resources[integration.asString()].Properties.IntegrationUri;
    expect(integrationUri).toEqual({ 'Fn::GetAtt': [ids.callback, 'Arn'] });
  });

  test('throttled stage with JSON access logs that leave out the query string (OAuth code)', () => {
    const format = new Capture();
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: format },
    });
    const fields = JSON.parse(format.asString()) as Record<string, string>;
    expect(fields.requestId).toBe('$context.requestId');
    expect(format.asString()).not.toMatch(/querystring|\$context\.path|requestOverride/i);
  });

  test('the mailer gets the callback URL; the stack outputs it and the bucket name', () => {
    const api = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    const url = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [api, 'ApiEndpoint'] }, '/callback']] };
    expect(environmentOf(template, ids.mailer).CALLBACK_URL).toEqual(url);
    template.hasOutput('CallbackUrl', { Value: url });
    template.hasOutput('StateBucketName', { Value: { Ref: bucketId } });
  });
});

describe('state bucket', () => {
  test('encrypted, versioned, private, retained, noncurrent versions expire', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
            Match.objectLike({ Status: 'Enabled', Prefix: 'backups/', ExpirationInDays: 90 }),
            // The MAL XML exports expire like the backups.
            Match.objectLike({ Status: 'Enabled', Prefix: 'exports/', ExpirationInDays: 90 }),
          ]),
        },
      }),
    });
  });

  test('old versions under auth/ (replaced refresh tokens, PKCE verifiers) expire after one day', () => {
    const rules = new Capture();
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: rules } });
    const authRules = (rules.asArray() as Record<string, unknown>[]).filter((r) => r.Prefix === 'auth/');
    expect(authRules).toEqual([
      {
        Id: expect.any(String),
        Status: 'Enabled',
        Prefix: 'auth/',
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      },
    ]);
    // Every destination's tokens and every pending authorization live under that prefix.
    for (const key of [KEYS.tokens('mal'), KEYS.tokens('trakt'), KEYS.pendingAuth('s')]) expect(key).toMatch(/^auth\//);
  });

  test('the bucket policy refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('least privilege', () => {
  /** `action key` pairs a function may use on the state bucket; `bucket` is the bucket itself. */
  const EXPECTED_S3: Record<FunctionRole, string[]> = {
    worker: [
      's3:GetObject sync/*',
      's3:GetObject auth/tokens.json',
      's3:PutObject sync/*',
      's3:PutObject auth/tokens.json',
      // The tokens' metadata for the mailer: written with the tokens, repaired when missing or stale.
      's3:GetObject auth/token-meta/mal.json',
      's3:PutObject auth/token-meta/mal.json',
      's3:PutObject backups/*',
      // The list in MAL's import XML, after full reconciles: written, never read.
      's3:PutObject exports/*',
      // Each run's report, for npm run status: written, never read back.
      's3:PutObject reports/*',
      // The anime id datasets and Trakt's catalogue, cached between runs (shared/anime-ids, destinations/trakt/catalog).
      's3:GetObject cache/*',
      's3:PutObject cache/*',
      // Deletes the first version's MyAnimeList state once it is migrated (KEYS.legacySyncState), and only it.
      's3:DeleteObject sync/state.json',
      's3:ListBucket bucket',
      // A corrupt sync state is recovered from an earlier version of that object (shared/sync/state.ts).
      's3:GetObjectVersion sync/*/state.json',
      's3:GetObjectVersion sync/state.json',
      's3:ListBucketVersions bucket',
    ],
    mailer: [
      // The tokens' metadata, never the tokens themselves.
      's3:GetObject auth/token-meta/mal.json',
      's3:GetObject auth/pending/*',
      's3:GetObject auth/mailer-state.json',
      's3:PutObject auth/pending/*',
      's3:PutObject auth/mailer-state.json',
      's3:DeleteObject auth/pending/*',
      // Rolls back its "email sent" claim when the first send fails.
      's3:DeleteObject auth/mailer-state.json',
      's3:ListBucket bucket',
    ],
    callback: [
      's3:GetObject auth/pending/*',
      's3:PutObject auth/pending/*',
      // A new authorization replaces the tokens without reading them, then writes their metadata.
      's3:PutObject auth/tokens.json',
      's3:PutObject auth/token-meta/mal.json',
      // A link used again while the destination is connected says so: known from the metadata, never the tokens.
      's3:GetObject auth/token-meta/mal.json',
      's3:ListBucket bucket',
    ],
  };

  const s3Grants = (statements: Statement[], bucket: string) =>
    statements
      .filter((s) => asArray(s.Action).some((a) => a.startsWith('s3:')))
      .flatMap((s) => asArray(s.Action).flatMap((a) => asArray(s.Resource).map((r) => `${a} ${s3Target(r, bucket)}`)));

  test.each(['worker', 'mailer', 'callback'] as FunctionRole[])(
    '%s: S3 access is exactly its own keys and prefixes',
    (role) => {
      const grants = s3Grants(statementsOfFunction(template, ids[role]), bucketId);
      expect([...grants].sort()).toEqual([...EXPECTED_S3[role]].sort());
    },
  );

  test.each(['worker', 'mailer', 'callback'] as FunctionRole[])(
    '%s: listing requires a prefix, confined to its own keys, and covers every key it reads',
    (role) => {
      const list = statementsOfFunction(template, ids[role]).filter((s) => asArray(s.Action).includes('s3:ListBucket'));
      expect(list).toHaveLength(1);
      // StringLike, not StringLikeIfExists: a listing without a prefix must not pass.
      expect(Object.keys(list[0]!.Condition ?? {})).toEqual(['StringLike']);
      const prefixes = asArray(
        (list[0]!.Condition as { StringLike: { 's3:prefix': string | string[] } }).StringLike['s3:prefix'],
      );
      const allowed = EXPECTED_S3[role].filter((g) => !g.endsWith(' bucket')).map((g) => g.split(' ')[1]);
      // The mailer lists the tokens' key to learn whether they exist (key names, no contents).
      if (role === 'mailer') allowed.push(KEYS.tokens('mal'));
      for (const p of prefixes) expect(allowed).toContain(p);
      // S3 checks s3:ListBucket with the key as s3:prefix to answer 404 (not 403) for a missing key:
      // every key the function reads must match one of the prefixes.
      const matches = (key: string) =>
        prefixes.some((p) => (p.endsWith('*') ? key.startsWith(p.slice(0, -1)) : key === p));
      for (const read of EXPECTED_S3[role].filter((g) => g.startsWith('s3:GetObject '))) {
        expect(matches(read.split(' ')[1]!.replace(/\*$/, 'x.json'))).toBe(true);
      }
    },
  );

  test('the worker lists and reads earlier versions of the sync state objects only', () => {
    const versions = statementsOfFunction(template, ids.worker).filter((s) =>
      asArray(s.Action).includes('s3:ListBucketVersions'),
    );
    expect(versions).toHaveLength(1);
    expect(asArray(versions[0]!.Action)).toEqual(['s3:ListBucketVersions']);
    // StringLike on the exact keys S3Store lists the versions of: no other key's history, and never without a prefix.
    expect(versions[0]!.Condition).toEqual({
      StringLike: { 's3:prefix': [KEYS.syncState('*'), KEYS.legacySyncState] },
    });
    template.hasResourceProperties(
      'AWS::IAM::Policy',
      Match.objectLike({
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 's3:GetObjectVersion',
              Effect: 'Allow',
              Resource: Match.arrayWith([
                { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/sync/*/state.json']] },
              ]),
            }),
          ]),
        },
      }),
    );
    for (const role of ['mailer', 'callback'] as FunctionRole[]) {
      const actions = statementsOfFunction(template, ids[role]).flatMap((s) => asArray(s.Action));
      expect(actions.filter((a) => /Version/.test(a))).toEqual([]);
    }
  });

  test('the prefix the pending-authorization housekeeping lists is inside the listing grant', () => {
    const list = statementsOfFunction(template, ids.mailer).find((s) => asArray(s.Action).includes('s3:ListBucket'))!;
    const prefixes = asArray((list.Condition as { StringLike: { 's3:prefix': string[] } }).StringLike['s3:prefix']);
    expect(prefixes.some((p) => p.endsWith('*') && KEYS.pendingAuthPrefix.startsWith(p.slice(0, -1)))).toBe(true);
  });

  test('no other statement reaches the bucket, and every action is named exactly', () => {
    for (const role of ['worker', 'mailer', 'callback'] as FunctionRole[]) {
      for (const s of statementsOfFunction(full.template, fullIds[role])) {
        for (const action of asArray(s.Action)) {
          // X-Ray's two actions are the only ones on "*" (no resource-level permissions exist).
          if (JSON.stringify(s.Resource) === '"*"')
            expect(action).toMatch(/^xray:Put(TraceSegments|TelemetryRecords)$/);
          expect(action).not.toContain('*');
        }
        if (!asArray(s.Action).some((a) => a.startsWith('s3:'))) {
          expect(JSON.stringify(s.Resource)).not.toContain(fullBucketId);
        }
      }
    }
  });

  test('secrets: ssm:GetParameter on exactly the configured parameters, only where needed', () => {
    const ssm = (id: string, t: Template = full.template) =>
      statementsOfFunction(t, id)
        .filter((s) => asArray(s.Action).some((a) => a.startsWith('ssm:') || a.startsWith('kms:')))
        .map((s) => ({ actions: asArray(s.Action), arns: asArray(s.Resource).map((r) => JSON.stringify(r)) }));
    const arn = (name: string) =>
      JSON.stringify({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':ssm:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:parameter/${name}`,
          ],
        ],
      });
    const worker = ssm(fullIds.worker);
    expect(new Set(worker.flatMap((s) => s.actions))).toEqual(new Set(['ssm:GetParameter']));
    expect(worker.flatMap((s) => s.arns).sort()).toEqual(
      [arn('anilist-mal-mirror/mal-client-secret'), arn('anilist-token')].sort(),
    );
    expect(ssm(fullIds.callback)).toEqual([
      { actions: ['ssm:GetParameter'], arns: [arn('anilist-mal-mirror/mal-client-secret')] },
    ]);
    expect(ssm(fullIds.mailer)).toEqual([]);
    expect(ssm(ids.worker, template)).toEqual([]);
  });

  test('SES sending is scoped to the sender identity (and the recipient, for the sandbox)', () => {
    const ses = statementsOfFunction(full.template, fullIds.mailer).filter((s) =>
      asArray(s.Action).some((a) => a.startsWith('ses:')),
    );
    // The mailer uses SES v1 SendEmail only (shared/auth/mailer.ts): no SendRawEmail.
    expect(new Set(ses.flatMap((s) => asArray(s.Action)))).toEqual(new Set(['ses:SendEmail']));
    for (const s of ses) expect(JSON.stringify(s.Resource)).not.toContain('*');
    const identities = resourcesOf(full.template, 'AWS::SES::EmailIdentity').map(
      ([id, r]) => [id, (r.Properties as { EmailIdentity: string }).EmailIdentity] as const,
    );
    expect(identities.map(([, email]) => email).sort()).toEqual(['bot@mail.test', 'me@mail.test']);
    for (const [id] of identities) expect(JSON.stringify(ses.map((s) => s.Resource))).toContain(`{"Ref":"${id}"}`);
    for (const role of ['worker', 'callback'] as FunctionRole[]) {
      expect(
        statementsOfFunction(full.template, fullIds[role]).some((s) =>
          asArray(s.Action).some((a) => a.startsWith('ses:')),
        ),
      ).toBe(false);
    }
  });

  test('no wildcard action on a "*" resource anywhere in the template (any policy type)', () => {
    const offenders: string[] = [];
    const visit = (node: unknown, where: string) => {
      if (Array.isArray(node)) {
        for (const [i, n] of node.entries()) visit(n, `${where}[${i}]`);
      } else if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        // In a KMS key policy "Resource": "*" means "this key", not every resource; checked separately below.
        if ('KeyPolicy' in o) return;
        if (o.Effect === 'Allow' && o.Action !== undefined) {
          const starResource = o.Resource === undefined || asArray(o.Resource).includes('*');
          const starAction = asArray(o.Action as string | string[]).some((a) => a.includes('*'));
          if (starResource && starAction) offenders.push(where);
        }
        for (const [k, v] of Object.entries(o)) visit(v, `${where}.${k}`);
      }
    };
    for (const t of [template, full.template]) visit(t.toJSON(), 'template');
    expect(offenders).toEqual([]);
  });

  test('the alarm key lets the account administer it and CloudWatch use it, nothing else', () => {
    const keys = resourcesOf(full.template, 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    const statements = (keys[0]![1].Properties as { KeyPolicy: { Statement: Record<string, unknown>[] } }).KeyPolicy
      .Statement;
    const principals = statements.map((s) => JSON.stringify(s.Principal));
    expect(principals).toHaveLength(2);
    // IAM delegation to this account (the AWS default key policy), and the CloudWatch service principal.
    expect(principals[0]).toContain(':iam::');
    expect(principals[0]).toContain(':root');
    expect(statements[1]).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
  });

  test('no secret value in the template: parameter names only', () => {
    for (const t of [template, full.template]) {
      const text = JSON.stringify(t.toJSON());
      expect(text).not.toContain(FAKE_SECRET_VALUE);
      for (const [, fn] of resourcesOf(t, 'AWS::Lambda::Function')) {
        const variables = ((fn.Properties as { Environment?: { Variables?: object } }).Environment?.Variables ??
          {}) as Record<string, unknown>;
        for (const [name, value] of Object.entries(variables)) {
          // The extension's settings: names with "SECRET" in them, but each with its one fixed value.
          if (name in EXTENSION_SETTINGS) expect(value).toBe(EXTENSION_SETTINGS[name]);
          else if (/SECRET|TOKEN|PASSWORD/.test(name)) expect(name).toMatch(/_PARAMETER$/);
        }
      }
    }
    expect(environmentOf(full.template, fullIds.worker)).not.toHaveProperty('MAL_CLIENT_SECRET');
  });
});

describe('SES identity', () => {
  test('create (default): one identity when sender and recipient are the same address', () => {
    template.resourceCountIs('AWS::SES::EmailIdentity', 1);
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'you@example.com' });
  });

  test('import: no identity resource; permission names the given identity and the recipient', () => {
    const imported = synthMirror({ ...REAL_SETTINGS, sesIdentity: 'import', sesIdentityName: 'mail.test' });
    imported.template.resourceCountIs('AWS::SES::EmailIdentity', 0);
    const mailer = functionIds(imported.template).mailer;
    const resources = JSON.stringify(
      statementsOfFunction(imported.template, mailer)
        .filter((s) => asArray(s.Action).includes('ses:SendEmail'))
        .map((s) => s.Resource),
    );
    expect(resources).toContain(':identity/mail.test');
    expect(resources).toContain(':identity/me@mail.test');
    expect(resources).not.toContain(':identity/bot@mail.test');
  });
});

describe('alarms', () => {
  test('sync worker errors alarm: two consecutive failing sync periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.worker } }],
      Period: 15 * 60,
      Threshold: 1,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  test('failure queue alarm: one parked failure (a single failed sync run) is not news, a second one is', () => {
    const queue = new Capture();
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.worker },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } },
    });
    const queueAlarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) =>
        JSON.stringify((a.Properties as { Dimensions?: unknown }).Dimensions) ===
        JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue.asString(), 'QueueName'] } }]),
    );
    expect(queueAlarms).toHaveLength(1);
    expect(queueAlarms[0]![1].Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('reauthPendingHours metric filter on the mailer log group, one alarm per destination at 72 h', () => {
    const mailerLogGroup = template.toJSON().Resources[ids.mailer].Properties.LoggingConfig.LogGroup;
    const pattern = new Capture();
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: mailerLogGroup,
      FilterPattern: pattern,
      MetricTransformations: [
        Match.objectLike({
          MetricName: 'ReauthPendingHours',
          MetricValue: '$.reauthPendingHours',
          // The mailer logs one "reauth check" line per destination; it becomes the metric's dimension.
          Dimensions: [{ Key: 'Destination', Value: '$.destination' }],
        }),
      ],
    });
    expect(pattern.asString()).toContain('$.message = "reauth check"');
    expect(pattern.asString()).toContain('$.reauthPendingHours');
    const reauthAlarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => (a.Properties as { MetricName?: string }).MetricName === 'ReauthPendingHours',
    );
    expect(reauthAlarms.map(([id]) => id)).toEqual([expect.stringMatching(/ReauthPendingMyAnimeList/)]);
    expect(reauthAlarms[0]![1].Properties).toMatchObject({
      Statistic: 'Maximum',
      Threshold: 72,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'Destination', Value: 'mal' }],
    });
  });

  test('callback 5xx alarm: one failed authorization in 5 minutes, on the callback API', () => {
    const api = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => (a.Properties as { Namespace?: string }).Namespace === 'AWS/ApiGateway',
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: api } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('no topic by default; with alarmEmail an encrypted, TLS-only topic notifies every alarm', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    const topic = new Capture();
    full.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    full.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'alerts@mail.test',
      TopicArn: { Ref: topic },
    });
    full.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    full.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    // The key goes with the stack (scheduled for deletion, shortest window) instead of being retained.
    full.template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: Match.objectLike({ PendingWindowInDays: 7 }),
    });
    const alarms = resourcesOf(full.template, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    for (const [, alarm] of alarms) {
      expect((alarm.Properties as { AlarmActions: unknown[] }).AlarmActions).toEqual([{ Ref: topic.asString() }]);
    }
  });
});
