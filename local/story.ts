import { AppError } from '../shared/errors';
import type { LocalSystem } from './system';
import { authorizeLinksOf } from './system/inbox';

export class StoryError extends AppError {
  constructor(message: string) {
    super('story_failed', message);
  }
}

export interface AuthorizationStory {
  readonly subject: string;
  readonly authorizeUrl: string;
  readonly callbackStatus: number;
  readonly callbackPage: string;
}

/** The newest reauth email's authorization link for `label` (default: the email's first). */
export async function latestAuthorizeLink(
  system: LocalSystem,
  label?: string,
): Promise<{ subject: string; url: string }> {
  const messages = await system.ses.messages();
  const mail = messages.at(-1);
  if (!mail) throw new StoryError('no email in the local inbox');
  const links = authorizeLinksOf(mail);
  const link = label === undefined ? links[0] : links.find((l) => l.label === label);
  if (!link) throw new StoryError(`the email "${mail.subject}" has no ${label ?? 'authorization'} link`);
  return { subject: mail.subject, url: link.url };
}

/**
 * What a user does with the email, over real HTTP and without a browser: open the link (the one for
 * `label`, default the first), press "Approve" on the provider's consent page (its form posted back
 * as the page defines it), and follow the provider's redirect to the callback.
 */
export async function approveLatestEmail(
  system: LocalSystem,
  decision: 'approve' | 'deny' = 'approve',
  label?: string,
): Promise<AuthorizationStory> {
  const { subject, url } = await latestAuthorizeLink(system, label);
  const consent = await fetch(url);
  const page = await consent.text();
  if (consent.status !== 200)
    throw new StoryError(`the authorization page answered ${consent.status}: ${page.slice(0, 200)}`);
  const form = /<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(page);
  if (!form) throw new StoryError('the authorization page has no form');
  const fields = new URLSearchParams();
  for (const input of form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.append(unescapeHtml(input[1]!), unescapeHtml(input[2]!));
  }
  fields.append('decision', decision);
  const approved = await fetch(new URL(form[1]!, url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    redirect: 'manual',
  });
  const location = approved.headers.get('location');
  if (approved.status !== 302 || !location) {
    throw new StoryError(`approving did not redirect (HTTP ${approved.status})`);
  }
  const callback = await fetch(location);
  return { subject, authorizeUrl: url, callbackStatus: callback.status, callbackPage: await callback.text() };
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
