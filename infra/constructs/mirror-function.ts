import * as path from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS, LAMBDA_BUNDLING, LAMBDA_NODE_OPTIONS } from '../defaults';
import { acknowledge } from '../nag';
import { parametersExtension } from './parameters-extension';
import type { SecureParameter } from './secure-parameter';

/** Repository root, resolved from this file so synth works from any working directory. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** How a function is invoked, which decides its failure handling. */
export type InvocationMode =
  /** Invoked by EventBridge: failures go to the failure queue after `retryAttempts` retries. */
  | { readonly kind: 'async'; readonly failureQueue: sqs.IQueue; readonly retryAttempts: number }
  /** Invoked by API Gateway and answered in-line: errors go back to the caller and to the log. */
  | { readonly kind: 'sync' };

export interface MirrorFunctionProps {
  /** Handler folder under `lambdas/`, e.g. `sync-worker` (the file is `handler.ts`, export `handler`). */
  readonly handlerName: string;
  /** What the function does, shown in the Lambda console (the function's `Description`). */
  readonly description: string;
  /**
   * Environment variables of the function, on top of `NODE_OPTIONS` (source maps). Names only for
   * secrets (`*_PARAMETER`), never values: the template is readable by anyone who can read the stack.
   */
  readonly environment: Readonly<Record<string, string>>;
  /** Maximum run time of one invocation. */
  readonly timeout: Duration;
  /**
   * How the function is invoked, which decides its failure handling: `async` (EventBridge) gets
   * `retryAttempts` and an on-failure destination, `sync` (API Gateway) returns errors to the caller.
   */
  readonly invocation: InvocationMode;
  /**
   * Memory in MB (CPU scales with it).
   * @default 256 MB (DEFAULTS.workerMemoryMb)
   */
  readonly memorySize?: number;
  /**
   * Concurrent executions reserved for (and capping) the function.
   * @default - unreserved (shares the account's pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Retention of the function's own log group.
   * @default DEFAULTS.logRetention (one month)
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * SSM SecureString parameters the function reads at run time (their names go in `environment`).
   * The function gets `ssm:GetParameter` on exactly these, and the AWS Parameters and Secrets Lambda
   * Extension layer it reads them through; with none it gets neither.
   * @default - none
   */
  readonly secureParameters?: readonly SecureParameter[];
}

/**
 * The house style for this stack's Lambdas: Node.js 24 on ARM64, bundled with esbuild (AWS SDK v3
 * included and tree-shaken, minified, source maps on), its own log group with a retention, X-Ray
 * tracing, and a dedicated role holding only what the function is granted below (no managed
 * policies: logging is granted on its own log group).
 */
export class MirrorFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: MirrorFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? DEFAULTS.logRetention,
      // Logs are diagnostics, not data: they go with the stack (the bucket is what is retained).
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const secureParameters = props.secureParameters ?? [];

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.handlerName} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, 'lambdas', props.handlerName, 'handler.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: DEFAULTS.runtime,
      architecture: DEFAULTS.architecture,
      memorySize: props.memorySize ?? DEFAULTS.workerMemoryMb,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: { NODE_OPTIONS: LAMBDA_NODE_OPTIONS, ...props.environment },
      ...(secureParameters.length > 0 ? { paramsAndSecrets: parametersExtension(this, DEFAULTS.architecture) } : {}),
      ...(props.invocation.kind === 'async'
        ? {
            retryAttempts: props.invocation.retryAttempts,
            onFailure: new SqsDestination(props.invocation.failureQueue),
          }
        : {}),
      bundling: {
        ...LAMBDA_BUNDLING,
        externalModules: [...LAMBDA_BUNDLING.externalModules],
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        esbuildArgs: { ...LAMBDA_BUNDLING.esbuildArgs },
      },
    });

    for (const parameter of secureParameters) parameter.grantRead(this.function);

    acknowledge(this.role, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray statement added by active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) uses "*": X-Ray has no resource-level permissions.',
    });
    acknowledge(
      this.function,
      props.invocation.kind === 'async'
        ? {
            id: 'Serverless-LambdaDLQ',
            reason:
              'Asynchronous failures go to an on-failure destination (the failure queue), which records the error with the request; AWS recommends destinations over a DeadLetterConfig, and both would duplicate every failure.',
          }
        : {
            id: 'Serverless-LambdaDLQ',
            reason:
              'Only invoked synchronously by API Gateway: a dead-letter queue never receives synchronous failures; the error goes back to the caller and to the log group.',
          },
    );
  }
}
