import { Aws, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { IConstruct } from 'constructs';
import { DEFAULTS } from '../defaults';

const REGION_RULE_ID = 'ParametersExtensionRegion';

/** Regions for which aws-cdk-lib knows the extension layer's ARN for this architecture. */
export function parametersExtensionRegions(architecture: lambda.Architecture): string[] {
  return RegionInfo.regions
    .filter(
      (region) =>
        region.paramsAndSecretsLambdaLayerArn(DEFAULTS.parametersExtension.version, architecture.name) !== undefined,
    )
    .map((region) => region.name)
    .sort();
}

/**
 * The AWS Parameters and Secrets Lambda Extension layer for a function that reads secret parameters
 * (`paramsAndSecrets`). It calls GetParameter with the function's own role, so the grants stay those
 * of `SecureParameter.grantRead`.
 *
 * The layer's ARN depends on the region. With a pinned region aws-cdk-lib resolves it at synth time
 * (and refuses a region it has no ARN for); an environment-agnostic template looks it up in a mapping
 * at deploy time, and a rule on the stack makes a deploy to a region outside that mapping fail up
 * front with a message that says why, instead of with a missing mapping key.
 */
export function parametersExtension(scope: IConstruct, architecture: lambda.Architecture) {
  const stack = Stack.of(scope);
  if (Token.isUnresolved(stack.region) && !stack.node.tryFindChild(REGION_RULE_ID)) {
    const regions = parametersExtensionRegions(architecture);
    new CfnRule(stack, REGION_RULE_ID, {
      assertions: [
        {
          assert: Fn.conditionContains(regions, Aws.REGION),
          assertDescription:
            `The functions read their secret parameters through the AWS Parameters and Secrets Lambda Extension, ` +
            `whose ${architecture.name} layer this stack knows only in: ${regions.join(', ')}. ` +
            'Deploy to one of those regions, or leave mal.clientSecretParameter and anilistTokenParameter unset.',
        },
      ],
    });
  }
  const { version, parameterStoreTimeout, logLevel } = DEFAULTS.parametersExtension;
  return lambda.ParamsAndSecretsLayerVersion.fromVersion(version, { parameterStoreTimeout, logLevel });
}
