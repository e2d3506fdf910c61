import { isLoopbackHost } from '../config';

export interface ExposedUrls {
  readonly s3: string;
  readonly inbox: string;
  readonly callback: string;
}

/**
 * What other machines can reach when LOCAL_HOST is not loopback (undefined when it is): in real
 * mode only with LOCAL_EXPOSE=true (checkExposure refuses it otherwise), and each port with what
 * it gives away, so that the user sees exactly what they opened.
 */
export function describeExposure(host: string, sandbox: boolean, urls: ExposedUrls): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  if (sandbox) {
    return `LOCAL_HOST=${host}: other machines can reach the sandbox servers (sandbox data only, no real account).`;
  }
  const port = (url: string) => new URL(url).port;
  return [
    `LOCAL_EXPOSE=true: listening on ${host}, so anyone who can reach this machine can reach:`,
    `  - port ${port(urls.s3)}, the local S3: your tokens and sync state (only requests signed with this run's random key are served)`,
    `  - port ${port(urls.inbox)}, the local inbox: every authorization link (only with the key in its URL)`,
    `  - port ${port(urls.callback)}, the OAuth callback`,
    'All of it is plain HTTP: anyone who can watch the network sees the tokens and links pass.',
  ].join('\n');
}
