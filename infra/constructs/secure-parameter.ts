import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface SecureParameterProps {
  /**
   * Name of an SSM SecureString parameter the user created beforehand (see README.md (Deploy to your AWS account)), e.g.
   * `/anilist-mal-mirror/mal-client-secret`. Only the name enters the template; the functions read
   * the value at run time with decryption, through the AWS Parameters and Secrets Lambda Extension
   * (see `MirrorFunctionProps.secureParameters`), which uses the function's role.
   */
  readonly parameterName: string;
}

/**
 * A secret that lives in SSM Parameter Store, outside the stack. The stack never creates or reads
 * the value (CloudFormation cannot create SecureStrings, and a value in the template would be
 * readable by anyone who can read the stack), it only grants `ssm:GetParameter` on that one ARN.
 *
 * Encrypted with the account's AWS-managed `aws/ssm` key, whose key policy already lets any principal
 * allowed to read the parameter decrypt it, so no KMS grant is needed.
 */
export class SecureParameter extends Construct {
  readonly parameterName: string;
  readonly parameterArn: string;

  constructor(scope: Construct, id: string, props: SecureParameterProps) {
    super(scope, id);
    this.parameterName = props.parameterName;
    // Hierarchical names keep their leading '/' in the API but not in the ARN.
    this.parameterArn = Arn.format(
      {
        service: 'ssm',
        resource: 'parameter',
        resourceName: props.parameterName.replace(/^\//, ''),
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      Stack.of(this),
    );
  }

  /** `ssm:GetParameter` (with decryption) on exactly this parameter. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['ssm:GetParameter'], resourceArns: [this.parameterArn] });
  }
}
