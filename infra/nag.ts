import { type App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Registers the cdk-nag packs as synth-time validation plugins: any unacknowledged finding fails
 * `cdk synth`/`cdk deploy`. AwsSolutions is the general baseline; Serverless adds Lambda, API
 * Gateway and EventBridge checks (DLQs, throttling, structured access logs, tracing).
 */
export function addNagPacks(app: App): NagPack[] {
  const packs: NagPack[] = [new AwsSolutionsChecks(app), new ServerlessChecks(app)];
  Validations.of(app).addPlugins(...packs);
  return packs;
}

/** One acknowledgement: a rule id (optionally with a `[finding]`) and why it does not apply here. */
export interface NagAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

/** Acknowledges rules on `scope` (and everything below it). Keep calls next to the resource concerned. */
export function acknowledge(scope: IConstruct, ...acks: NagAcknowledgement[]): void {
  Validations.of(scope).acknowledge(...acks);
}

/**
 * The text cdk-nag uses for an IAM resource in finding ids such as
 * `AwsSolutions-IAM5[Resource::<Bucket1234.Arn>/sync/*]`: references become `<LogicalId.Attr>`.
 * Lets acknowledgements name the exact wildcard they accept instead of the whole rule.
 */
export function nagResourceText(scope: IConstruct, arn: string): string {
  return flatten(Stack.of(scope).resolve(arn));
}

function flatten(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (o.Ref !== undefined) return `<${flatten(o.Ref)}>`;
    if (o['Fn::Sub'] !== undefined) return flatten(o['Fn::Sub']);
  }
  return JSON.stringify(node);
}
