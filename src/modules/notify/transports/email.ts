/**
 * E-mail over SMTP with nodemailer: plain text and HTML, and threading headers so every mail
 * about one incident lands in one thread (`In-Reply-To`/`References` name a per-incident root id;
 * each mail's own `Message-ID` derives from the delivery id, so a retry re-sends the same id).
 * SMTP permanent errors (5xx) are permanent; connection problems and 4xx are retryable.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Notification, SendResult, Transport } from '../types.ts';
import { esc, headline, textBody } from './render.ts';

export interface EmailOptions {
  /** Default SMTP server, e.g. `smtp://user:pass@mail.example.com:587` (channels may override with `smtp_url`). */
  smtpUrl?: string;
  /** Default From address. */
  from?: string;
}

function domainOf(address: string): string {
  const m = /@([^>\s]+)>?\s*$/.exec(address);
  return m ? m[1] : 'vigil.local';
}

/** The threading headers of a notification's mail. */
export function threadHeaders(n: Notification, from: string): { messageId: string; references?: string } {
  const domain = domainOf(from);
  const messageId = `<${n.id}@${domain}>`;
  if (!n.incidentId) return { messageId };
  return { messageId, references: `<incident-${n.incidentId}@${domain}>` };
}

/** Makes the http(s) URLs of already-escaped text clickable. */
export function linkify(escaped: string): string {
  return escaped.replace(/\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g, (url) => `<a href="${url}">${url}</a>`);
}

/**
 * List-Unsubscribe headers (RFC 2369, one-click per RFC 8058) when the message carries them
 * (`data.list_unsubscribe`, e.g. `<https://…/unsubscribe?token=…>`, and `data.list_unsubscribe_post`).
 */
export function listHeaders(n: Notification): Record<string, string> {
  const d = n.message.data ?? {};
  const out: Record<string, string> = {};
  const unsub = d.list_unsubscribe;
  if (typeof unsub === 'string' && /^<[^<>\r\n]+>(,\s*<[^<>\r\n]+>)*$/.test(unsub)) {
    out['List-Unsubscribe'] = unsub;
    if (d.list_unsubscribe_post === 'List-Unsubscribe=One-Click')
      out['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return out;
}

function html(n: Notification): string {
  const m = n.message;
  const link = (title: string, url?: string) => (url ? `<a href="${esc(url)}">${esc(title)}</a>` : '');
  const links = [
    link('Acknowledge', n.links.acknowledge),
    link('Resolve', n.links.resolve),
    link(n.incidentId ? 'Open incident' : 'Open', n.links.open ?? m.url),
  ].filter(Boolean);
  return [
    `<h2>${esc(headline(n))}</h2>`,
    m.summary ? `<p style="white-space:pre-line">${linkify(esc(m.summary))}</p>` : '',
    '<table>',
    m.severity ? `<tr><th align="left">Severity</th><td>${esc(m.severity)}</td></tr>` : '',
    m.service ? `<tr><th align="left">Service</th><td>${esc(m.service)}</td></tr>` : '',
    '</table>',
    links.length ? `<p>${links.join(' · ')}</p>` : '',
  ].join('\n');
}

/** An e-mail transport; transporters are cached per SMTP URL and closed by `close()`. */
export function emailTransport(opts: EmailOptions): Transport & { close(): void } {
  const cache = new Map<string, Transporter>();
  const transporter = (url: string) => {
    let t = cache.get(url);
    if (!t) {
      t = nodemailer.createTransport(url, { connectionTimeout: 10_000, socketTimeout: 20_000 } as never);
      cache.set(url, t);
    }
    return t;
  };
  return {
    type: 'email',
    close() {
      for (const t of cache.values()) t.close();
      cache.clear();
    },
    async send(n: Notification): Promise<SendResult> {
      const to = n.channel.config.to;
      const smtpUrl = (n.channel.config.smtp_url as string | undefined) ?? opts.smtpUrl;
      const from = (n.channel.config.from as string | undefined) ?? opts.from ?? 'vigil@localhost';
      if (!to || (Array.isArray(to) && to.length === 0))
        return { status: 'permanent', detail: 'channel config needs "to"' };
      if (!smtpUrl) return { status: 'permanent', detail: 'no SMTP server configured (VIGIL_SMTP_URL)' };
      const { messageId, references } = threadHeaders(n, from);
      try {
        const info = await transporter(smtpUrl).sendMail({
          from,
          to: to as string | string[],
          subject: headline(n),
          text: textBody(n),
          html: html(n),
          messageId,
          ...(references ? { inReplyTo: references, references: [references] } : {}),
          headers: listHeaders(n),
        });
        return { status: 'ok', detail: `accepted by SMTP: ${info.response ?? 'ok'}`.slice(0, 300) };
      } catch (err) {
        const e = err as Error & { responseCode?: number };
        const code = e.responseCode;
        const detail = `SMTP ${code ?? 'error'}: ${e.message}`.slice(0, 300);
        return code !== undefined && code >= 500
          ? { status: 'permanent', detail }
          : { status: 'retryable', detail };
      }
    },
  };
}
