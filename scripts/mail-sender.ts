/**
 * Whether the reminders' From address can pass DMARC when Amazon SES sends it.
 *
 * DMARC passes only when the From domain is aligned with SPF (the MAIL FROM domain) or DKIM (the
 * signing domain). SES can do either only for a domain whose DNS you control: for an address at a
 * mailbox provider (gmail.com, yahoo.com, …) it signs as amazonses.com and sends from amazonses.com,
 * so the mail fails that provider's DMARC policy whoever receives it, the sender's own mailbox
 * included. Yahoo and AOL publish `p=reject` (refused), Gmail `quarantine` (spam); see
 * https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dmarc.html and AWS's
 * "Yahoo changed. Should you?" and Gmail/Yahoo bulk sender posts.
 */

/** Mailbox providers' domains. A domain you own is never here, so it is never warned about. */
const CONSUMER_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'ymail.com',
  'rocketmail.com',
  'aol.com',
  'aim.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'msn.com',
  'gmx.com',
  'gmx.net',
  'gmx.de',
  'web.de',
  'mail.com',
  'mail.ru',
  'yandex.ru',
  'yandex.com',
  'proton.me',
  'protonmail.com',
  'zoho.com',
  'qq.com',
  '163.com',
  'naver.com',
]);

/** Providers that exist under many country domains: yahoo.co.uk, hotmail.fr, outlook.de, live.com.au… */
const CONSUMER_FAMILIES = /^(?:yahoo|hotmail|outlook|live)\.(?:[a-z]{2,3}|co\.[a-z]{2}|com\.[a-z]{2})$/;

/** Domains whose DMARC policy is `reject`: such mail is refused, not only filed as spam. */
const REJECTING = /^(?:yahoo\.|ymail\.com$|rocketmail\.com$|aol\.com$|aim\.com$)/;

function domainOf(address: string): string {
  return (address.split('@')[1] ?? '').trim().toLowerCase();
}

export function isConsumerMailbox(address: string): boolean {
  const domain = domainOf(address);
  return CONSUMER_DOMAINS.has(domain) || CONSUMER_FAMILIES.test(domain);
}

export interface SenderSettings {
  readonly senderEmail: string;
  readonly notifyEmail: string;
}

/**
 * A warning (not an error: the stack deploys and SES sends) when the sender is at a mailbox
 * provider, worded for the one case that partly works: sender and recipient the same address.
 */
export function consumerSenderWarning(config: SenderSettings): string | undefined {
  if (!isConsumerMailbox(config.senderEmail)) return undefined;
  const domain = domainOf(config.senderEmail);
  const why =
    `Amazon SES cannot sign mail for ${domain} (DKIM) nor send it from ${domain}'s servers (SPF), ` +
    `so every email with a From address at ${domain} fails DMARC`;
  const fix =
    'Use an address at a domain you own instead, verified in SES as a domain identity (Easy DKIM): ' +
    'senderEmail "reminders@<your domain>", sesIdentity "import", sesIdentityName "<your domain>" ' +
    '(README.md, "Sender email").';
  const self = config.senderEmail.trim().toLowerCase() === config.notifyEmail.trim().toLowerCase();
  if (self) {
    const fate = REJECTING.test(domain)
      ? `${domain} publishes a DMARC policy of "reject": it will likely refuse the emails even though they go to your own address.`
      : 'It will likely land in your spam folder: look there for the first email and mark it "not spam".';
    return `senderEmail is a ${domain} address (sent to yourself). ${why}. ${fate} ${fix}`;
  }
  const fate = REJECTING.test(domain)
    ? `${domain} publishes a DMARC policy of "reject", so receivers refuse it`
    : 'receivers file it as spam or refuse it';
  return (
    `senderEmail is a ${domain} address, sent to another address (notifyEmail). ${why}, and ${fate}: ` +
    `the authorization emails would likely never reach you. ${fix} ` +
    'Without a domain, set senderEmail to the same address as notifyEmail, so the mail only goes to your own mailbox.'
  );
}
