/**
 * The public subscription pages (subscribe, confirm, manage, unsubscribe): small server-rendered
 * HTML forms that work without JavaScript, in the status page's look (light and dark themes,
 * the page's brand colour), accessible (labelled fields, errors tied to them, one h1 per page).
 */
import type { PageDef } from './service.ts';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(page: PageDef, title: string, body: string): string {
  const brand = page.brand_color ?? '#2563eb';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>${esc(title)} · ${esc(page.name)} status</title>
<style>
:root{color-scheme:light dark;--fg:#111827;--bg:#fff;--muted:#4b5563;--line:#9ca3af;--danger:#b91c1c;--ok:#15803d;--brand:${brand};--btn:#1d4ed8;--btnfg:#fff}
@media (prefers-color-scheme:dark){:root{--fg:#f3f4f6;--bg:#111827;--muted:#d1d5db;--line:#6b7280;--danger:#fca5a5;--ok:#4ade80;--btn:#93c5fd;--btnfg:#111827}}
body{font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:36rem;margin:0 auto;padding:1.5rem}
header{border-bottom:3px solid var(--brand);padding-bottom:.75rem;margin-bottom:1.25rem}
header a{color:var(--fg);text-decoration:none;font-weight:600}
h1{font-size:1.5rem;margin:.25rem 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=email]{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:.375rem;background:var(--bg);color:var(--fg)}
fieldset{border:1px solid var(--line);border-radius:.375rem;margin:1rem 0;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.check{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.35rem 0}
.hint{color:var(--muted);font-size:.875rem;margin:.25rem 0}
.error{color:var(--danger);font-weight:600;margin:.25rem 0}
.done{color:var(--ok);font-weight:600}
button{font:inherit;font-weight:600;padding:.5rem 1rem;border-radius:.375rem;border:2px solid var(--btn);background:var(--btn);color:var(--btnfg);cursor:pointer;margin-top:.75rem}
button.secondary{background:transparent;color:var(--fg)}
button:focus-visible,input:focus-visible{outline:3px solid var(--brand);outline-offset:2px}
a{color:inherit}
form.inline{display:inline}
footer{margin-top:2rem;color:var(--muted);font-size:.875rem}
</style></head>
<body><main>
<header><a href="/status/${esc(page.key)}">${esc(page.name)} status</a></header>
<h1>${esc(title)}</h1>
${body}
<footer><a href="/status/${esc(page.key)}">Back to the status page</a></footer>
</main></body></html>`;
}

function componentChoices(page: PageDef, chosen: string[] | null): string {
  if (page.components.length === 0) return '';
  const boxes = page.components
    .map(
      (c) =>
        `<label class="check"><input type="checkbox" name="components" value="${esc(c.key)}"${chosen?.includes(c.key) ? ' checked' : ''}> ${esc(c.name)}${c.group ? ` <span class="hint">(${esc(c.group)})</span>` : ''}</label>`,
    )
    .join('\n');
  return `<fieldset aria-describedby="components-hint"><legend>Components</legend>
<p class="hint" id="components-hint">Leave every box empty to hear about all components and page-wide notices.</p>
${boxes}
</fieldset>`;
}

export function subscribeForm(
  page: PageDef,
  v: { email?: string; components?: string[]; error?: string } = {},
) {
  const action = `/status/${esc(page.key)}/subscribe`;
  return layout(
    page,
    'Get status updates',
    `<p>We send an e-mail when an incident is opened, updated or resolved, and when scheduled maintenance starts and ends.</p>
<form method="post" action="${action}" novalidate>
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${esc(v.email ?? '')}"${v.error ? ' aria-invalid="true" aria-describedby="email-error"' : ''}>
${v.error ? `<p class="error" id="email-error">${esc(v.error)}</p>` : ''}
${componentChoices(page, v.components ?? null)}
<p class="hint">You will get a confirmation link first; nothing is sent until you confirm. Every mail has a one-click unsubscribe link.</p>
<button type="submit">Subscribe</button>
</form>`,
  );
}

export function checkInbox(page: PageDef, email: string) {
  return layout(
    page,
    'Check your inbox',
    `<p role="status">If <strong>${esc(email)}</strong> is not subscribed yet, a confirmation link is on its way. Open it to start receiving ${esc(page.name)} status updates.</p>
<p class="hint">No mail after a few minutes? Check your spam folder; confirmation mails are sent at most every 10 minutes per address.</p>`,
  );
}

export function confirmForm(page: PageDef, token: string, email: string) {
  return layout(
    page,
    'Confirm your subscription',
    `<p>Receive ${esc(page.name)} status updates at <strong>${esc(email)}</strong>?</p>
<form method="post" action="/status/${esc(page.key)}/subscribe/confirm">
<input type="hidden" name="token" value="${esc(token)}">
<button type="submit">Confirm subscription</button>
</form>`,
  );
}

export function managePage(
  page: PageDef,
  token: string,
  sub: { address: string; components: string[] | null; state: string },
  notice?: string,
) {
  const t = encodeURIComponent(token);
  return layout(
    page,
    'Your subscription',
    `${notice ? `<p class="done" role="status">${esc(notice)}</p>` : ''}
<p>Status updates for <strong>${esc(sub.address)}</strong>${sub.state === 'pending' ? ' (not confirmed yet)' : ''}.</p>
<form method="post" action="/status/${esc(page.key)}/subscription">
<input type="hidden" name="token" value="${esc(token)}">
${componentChoices(page, sub.components)}
<button type="submit">Save components</button>
</form>
<form method="post" action="/status/${esc(page.key)}/unsubscribe?token=${esc(t)}">
<button type="submit" class="secondary">Unsubscribe</button>
</form>`,
  );
}

export function unsubscribeForm(page: PageDef, token: string, email: string) {
  return layout(
    page,
    'Unsubscribe',
    `<p>Stop sending ${esc(page.name)} status updates to <strong>${esc(email)}</strong>?</p>
<form method="post" action="/status/${esc(page.key)}/unsubscribe?token=${esc(encodeURIComponent(token))}">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

export function message(page: PageDef, title: string, text: string, link?: { href: string; label: string }) {
  return layout(
    page,
    title,
    `<p role="status">${esc(text)}</p>${link ? `<p><a href="${esc(link.href)}">${esc(link.label)}</a></p>` : ''}`,
  );
}
