import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { AppError } from '../errors';

export class SecretUnavailableError extends AppError {
  constructor(name: string, options?: { cause?: unknown }) {
    super('secret_unavailable', `Could not read SSM SecureString parameter "${name}"`, options);
  }
}

/**
 * Reads SecureString parameters with decryption, once per cold start: secrets never sit in
 * environment variables or the template, and warm invocations cost no SSM call.
 */
export function createParameterReader(client: SSMClient): (name: string) => Promise<string> {
  const cache = new Map<string, Promise<string>>();
  return (name) => {
    let pending = cache.get(name);
    if (!pending) {
      pending = client
        .send(new GetParameterCommand({ Name: name, WithDecryption: true }))
        .then((out) => {
          const value = out.Parameter?.Value;
          if (!value) throw new SecretUnavailableError(name);
          return value;
        })
        .catch((err: unknown) => {
          cache.delete(name);
          throw err instanceof SecretUnavailableError ? err : new SecretUnavailableError(name, { cause: err });
        });
      cache.set(name, pending);
    }
    return pending;
  };
}

/** The secret from plain config (local runs) or from SSM (AWS); undefined when neither is set. */
export async function resolveSecret(
  direct: string | undefined,
  parameterName: string | undefined,
  read: (name: string) => Promise<string>,
): Promise<string | undefined> {
  if (direct) return direct;
  if (parameterName) return read(parameterName);
  return undefined;
}
