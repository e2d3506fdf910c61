import type { SentMail } from '../emulators';

/**
 * The authorization links of a reauth email, one per destination, from its text part: each section
 * says "… confirm on <label>:" and gives the link on the next non-empty line.
 */
export function authorizeLinksOf(mail: Pick<SentMail, 'text'>): { label: string; url: string }[] {
  const links: { label: string; url: string }[] = [];
  for (const m of (mail.text ?? '').matchAll(/confirm on ([^\n:]+):\s*\n\s*(https?:\/\/\S+)/g)) {
    links.push({ label: m[1]!.trim(), url: m[2]! });
  }
  return links;
}

/**
 * The authorization links of the email a mailer run sent: the inbox's message with its id, or the
 * inbox's last message when none has it; none in an empty inbox.
 */
export function sentLinksOf(
  messages: readonly Pick<SentMail, 'messageId' | 'text'>[],
  messageId: string | undefined,
): { label: string; url: string }[] {
  const mail = messages.find((m) => m.messageId === messageId) ?? messages.at(-1);
  return mail ? authorizeLinksOf(mail) : [];
}

/** The `state` query parameter of an authorization link (it names the pending authorization). */
export function stateOf(link: string): string | null {
  try {
    return new URL(link).searchParams.get('state');
  } catch {
    return null;
  }
}
