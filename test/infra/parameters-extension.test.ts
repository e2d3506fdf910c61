import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { parametersExtensionRegions } from '../../infra/constructs/parameters-extension';
import { DEFAULTS } from '../../infra/defaults';
import { DEFAULT_EXTENSION_PORT, PARAMETER_READ_TIMEOUT_MS } from '../../shared/aws/parameters';
import {
  asArray,
  EXTENSION_SETTINGS,
  environmentOf,
  type FunctionRole,
  functionIds,
  layersOf,
  REAL_SETTINGS,
  statementsOfFunction,
  synthMirror,
} from './support';

/**
 * The AWS Parameters and Secrets Lambda Extension: functions read their secret parameters through it
 * (shared/aws/parameters.ts), so a function gets its layer exactly when it has a parameter to read.
 */

const SECRET = { 'mal.clientSecretParameter': '/anilist-mal-mirror/mal-client-secret' };
const TOKEN = { anilistTokenParameter: '/anilist-mal-mirror/anilist-token' };
const ROLES: FunctionRole[] = ['worker', 'mailer', 'callback'];
const EXTENSION_VARIABLES = Object.keys(EXTENSION_SETTINGS);
const LAYER_NAME = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:\d+$/;

function synth(overrides: Record<string, unknown> = {}) {
  const { template } = synthMirror({ ...REAL_SETTINGS, ...overrides });
  return { template, ids: functionIds(template) };
}

/** Which functions carry the extension: its layer and its settings, always together. */
function withExtension(template: Template, ids: Record<FunctionRole, string>): FunctionRole[] {
  return ROLES.filter((role) => {
    const hasLayer = layersOf(template, ids[role]).length > 0;
    const env = environmentOf(template, ids[role]);
    const settings = EXTENSION_VARIABLES.filter((name) => name in env);
    expect(settings).toEqual(hasLayer ? EXTENSION_VARIABLES : []);
    return hasLayer;
  });
}

/** Actions on SSM or KMS a function's role is allowed. */
function ssmActions(template: Template, functionId: string): string[] {
  return statementsOfFunction(template, functionId)
    .flatMap((s) => asArray(s.Action))
    .filter((a) => a.startsWith('ssm:') || a.startsWith('kms:'));
}

describe('which functions get the extension', () => {
  test('default config (cdk.json): no layer, no extension settings, no region lookup anywhere', () => {
    const { template } = synthMirror();
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Layers: Match.absent() }, 3);
    for (const name of EXTENSION_VARIABLES) {
      template.resourcePropertiesCountIs(
        'AWS::Lambda::Function',
        { Environment: { Variables: Match.objectLike({ [name]: Match.anyValue() }) } },
        0,
      );
    }
    expect(template.toJSON().Mappings).toBeUndefined();
    expect(Object.keys(template.toJSON().Rules ?? {})).toEqual(['CheckBootstrapVersion']);
  });

  test('MAL client secret: the worker and the callback (both read it), never the mailer', () => {
    const { template, ids } = synth(SECRET);
    expect(withExtension(template, ids)).toEqual(['worker', 'callback']);
  });

  test('AniList token only: the worker alone (the callback has nothing to read)', () => {
    const { template, ids } = synth(TOKEN);
    expect(withExtension(template, ids)).toEqual(['worker']);
    expect(ssmActions(template, ids.callback)).toEqual([]);
    expect(ssmActions(template, ids.worker)).toEqual(['ssm:GetParameter']);
  });

  test('both: worker and callback, with the settings the extension is configured with', () => {
    const { template, ids } = synth({ ...SECRET, ...TOKEN });
    expect(withExtension(template, ids)).toEqual(['worker', 'callback']);
    for (const role of ['worker', 'callback'] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: (template.toJSON().Resources[ids[role]].Properties as { Description: string }).Description,
        Architectures: ['arm64'],
        Layers: [Match.anyValue()],
        Environment: { Variables: Match.objectLike(EXTENSION_SETTINGS) },
      });
    }
    // The function only ever reads the parameter names; the extension reads the values.
    expect(environmentOf(template, ids.worker)).toMatchObject({
      MAL_CLIENT_SECRET_PARAMETER: SECRET['mal.clientSecretParameter'],
      ANILIST_TOKEN_PARAMETER: TOKEN.anilistTokenParameter,
    });
  });
});

describe('the layer', () => {
  test('environment-agnostic stack: the arm64 layer of the stack region, from one mapping', () => {
    const { template, ids } = synth(SECRET);
    const mappings = template.toJSON().Mappings as Record<string, Record<string, Record<string, string>>>;
    expect(Object.keys(mappings)).toHaveLength(1);
    const [mappingName, byRegion] = Object.entries(mappings)[0]!;
    const keys = new Set(Object.values(byRegion).flatMap((entry) => Object.keys(entry)));
    expect(keys.size).toBe(1);
    const [key] = [...keys];
    for (const role of ['worker', 'callback'] as const) {
      expect(layersOf(template, ids[role])).toEqual([{ 'Fn::FindInMap': [mappingName, { Ref: 'AWS::Region' }, key] }]);
    }
    for (const [region, entry] of Object.entries(byRegion)) {
      expect(entry[key!]).toMatch(LAYER_NAME);
      expect(entry[key!]).toContain(`:${region}:`);
    }
    expect(Object.keys(byRegion).sort()).toEqual(parametersExtensionRegions(Architecture.ARM_64));
  });

  test('environment-agnostic stack: a deploy to a region without the layer fails up front, saying why', () => {
    const { template } = synth(SECRET);
    const mappings = template.toJSON().Mappings as Record<string, Record<string, unknown>>;
    const regions = Object.keys(Object.values(mappings)[0]!).sort();
    const rules = Object.entries(template.toJSON().Rules as Record<string, { Assertions: unknown[] }>).filter(
      ([id]) => id !== 'CheckBootstrapVersion',
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Assertions).toEqual([
      {
        Assert: { 'Fn::Contains': [regions, { Ref: 'AWS::Region' }] },
        AssertDescription: expect.stringMatching(/Parameters and Secrets Lambda Extension.*mal\.clientSecretParameter/),
      },
    ]);
  });

  test('pinned region: the literal layer ARN of that region, no mapping, no rule', () => {
    const { template, ids } = synth({ ...SECRET, region: 'eu-west-1' });
    const arn = RegionInfo.get('eu-west-1').paramsAndSecretsLambdaLayerArn(
      DEFAULTS.parametersExtension.version,
      'arm64',
    );
    expect(arn).toMatch(LAYER_NAME);
    expect(layersOf(template, ids.worker)).toEqual([arn]);
    expect(layersOf(template, ids.callback)).toEqual([arn]);
    expect(template.toJSON().Mappings).toBeUndefined();
    expect(Object.keys(template.toJSON().Rules ?? {})).toEqual(['CheckBootstrapVersion']);
  });

  test('pinned region without a known arm64 layer: synthesis refuses, without a parameter it does not matter', () => {
    const unsupported = ['eu-central-2', 'il-central-1', 'ca-west-1'].filter(
      (r) => !parametersExtensionRegions(Architecture.ARM_64).includes(r),
    );
    expect(unsupported.length).toBeGreaterThan(0);
    const region = unsupported[0]!;
    expect(() => synth({ ...SECRET, region })).toThrow(/Parameters and Secrets Extension is not supported in region/);
    expect(() => synth({ region })).not.toThrow();
  });
});

describe('extension settings', () => {
  test('the port the stack sets is the one the reader defaults to', () => {
    expect(EXTENSION_SETTINGS.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT).toBe(String(DEFAULT_EXTENSION_PORT));
  });

  test('the extension gives up on Parameter Store before the function gives up on the extension', () => {
    const extensionTimeout = Number(EXTENSION_SETTINGS.SSM_PARAMETER_STORE_TIMEOUT_MILLIS);
    expect(extensionTimeout).toBe(DEFAULTS.parametersExtension.parameterStoreTimeout.toMilliseconds());
    expect(extensionTimeout).toBeGreaterThan(0);
    expect(extensionTimeout).toBeLessThan(PARAMETER_READ_TIMEOUT_MS);
  });
});
