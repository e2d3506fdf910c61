import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';
import type { MirrorStack } from '../../infra/mirror-stack';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The context `cdk synth` gets from cdk.json (feature flags and the committed example settings). */
export function cdkJsonContext(): Record<string, unknown> {
  const json = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return json.context;
}

/**
 * Settings that are not placeholders, as a user would pass them with `-c key=value` (a destination's
 * setting as `-c mal.clientId=…`, which overrides that field of its cdk.json block).
 */
export const REAL_SETTINGS = {
  anilistUsername: 'mirror-tester',
  'mal.clientId': 'abc123clientid',
  notifyEmail: 'me@mail.test',
  senderEmail: 'bot@mail.test',
} as const;

/**
 * Builds the real app exactly as infra/app.ts does, with cdk.json context plus `overrides`, and
 * bundling skipped (assets become placeholders) so a synth takes about a second.
 */
export function synthMirror(overrides: Record<string, unknown> = {}): {
  app: App;
  stack: MirrorStack;
  template: Template;
} {
  const app = new App({
    context: { ...cdkJsonContext(), ...overrides, 'aws:cdk:bundling-stacks': [] },
  });
  const { stack } = buildApp(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/**
 * The variables `paramsAndSecrets` gives a function: the settings of the AWS Parameters and Secrets
 * Lambda Extension (infra/defaults.ts, DEFAULTS.parametersExtension), fixed values and never secrets,
 * although the names contain "SECRET". The function itself reads only the port.
 */
export const EXTENSION_SETTINGS: Readonly<Record<string, string>> = {
  PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true',
  PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE: '1000',
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773',
  PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL: 'warn',
  PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS: '3',
  SECRETS_MANAGER_TIMEOUT_MILLIS: '0',
  SECRETS_MANAGER_TTL: '300',
  SSM_PARAMETER_STORE_TIMEOUT_MILLIS: '4000',
  SSM_PARAMETER_STORE_TTL: '300',
};

type Json = Record<string, unknown>;
export type FunctionRole = 'worker' | 'mailer' | 'callback';

/** Resources of a type, as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): [string, Json][] {
  return Object.entries(template.findResources(type)) as [string, Json][];
}

function envOf(resource: Json): Json {
  const props = resource.Properties as Json;
  return ((props.Environment as Json | undefined)?.Variables ?? {}) as Json;
}

/**
 * Which function is which, told apart by what they do rather than by logical id: the worker knows
 * the AniList user, the mailer the recipient address, the callback is the API's integration target.
 */
export function functionIds(template: Template): Record<FunctionRole, string> {
  const fns = resourcesOf(template, 'AWS::Lambda::Function');
  const worker = fns.filter(([, r]) => 'ANILIST_USERNAME' in envOf(r));
  const mailer = fns.filter(([, r]) => 'NOTIFY_EMAIL' in envOf(r));
  const integrations = resourcesOf(template, 'AWS::ApiGatewayV2::Integration');
  const callback = fns.filter(([id]) =>
    integrations.some(([, i]) => JSON.stringify((i.Properties as Json).IntegrationUri).includes(`"${id}"`)),
  );
  if (fns.length !== 3 || worker.length !== 1 || mailer.length !== 1 || callback.length !== 1) {
    throw new Error(`expected exactly 3 distinguishable functions, got ${fns.map(([id]) => id).join(', ')}`);
  }
  return { worker: worker[0]![0], mailer: mailer[0]![0], callback: callback[0]![0] };
}

export function environmentOf(template: Template, logicalId: string): Json {
  return envOf(template.toJSON().Resources[logicalId] as Json);
}

/** The `Layers` of a function (empty when it has none). */
export function layersOf(template: Template, logicalId: string): unknown[] {
  const props = (template.toJSON().Resources[logicalId] as Json).Properties as Json;
  return (props.Layers as unknown[] | undefined) ?? [];
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Json;
}

/** Every statement of every IAM policy attached to the function's execution role. */
export function statementsOfFunction(template: Template, functionId: string): Statement[] {
  const fn = template.toJSON().Resources[functionId] as Json;
  const roleRef = (fn.Properties as Json).Role as { 'Fn::GetAtt': [string, string] };
  const roleId = roleRef['Fn::GetAtt'][0];
  const role = template.toJSON().Resources[roleId] as Json;
  const statements: Statement[] = [];
  for (const policy of ((role.Properties as Json).Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? []) {
    statements.push(...policy.PolicyDocument.Statement);
  }
  for (const [, policy] of resourcesOf(template, 'AWS::IAM::Policy')) {
    const props = policy.Properties as Json;
    if ((props.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }))) {
      statements.push(...(props.PolicyDocument as { Statement: Statement[] }).Statement);
    }
  }
  const managed = (role.Properties as Json).ManagedPolicyArns as unknown[] | undefined;
  if (managed && managed.length > 0) throw new Error(`role of ${functionId} has managed policies attached`);
  return statements;
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/**
 * Describes an S3 resource of the state bucket: `bucket` for the bucket itself, the key pattern
 * (`sync/*`) for objects. Anything else (another bucket, a literal ARN) is returned as JSON.
 */
export function s3Target(resource: unknown, bucketId: string): string {
  const r = resource as Json;
  if (JSON.stringify(r) === JSON.stringify({ 'Fn::GetAtt': [bucketId, 'Arn'] })) return 'bucket';
  const join = r['Fn::Join'] as [string, unknown[]] | undefined;
  if (join && join[0] === '' && join[1].length === 2) {
    const [head, tail] = join[1];
    if (JSON.stringify(head) === JSON.stringify({ 'Fn::GetAtt': [bucketId, 'Arn'] }) && typeof tail === 'string') {
      return tail.replace(/^\//, '');
    }
  }
  return JSON.stringify(resource);
}
