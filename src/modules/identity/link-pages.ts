/**
 * Minimal self-contained pages behind one-time links (`/setup/<token>`, `/reset/<token>`), so a
 * link printed in the log or sent by an admin works even without the console. The page reads the
 * token from its own URL and posts it to the API; nothing secret is rendered into the HTML.
 */
export function linkPage(purpose: 'setup' | 'reset'): string {
  const setup = purpose === 'setup';
  const title = setup ? 'Set up Vigil' : 'Choose a new password';
  const fields = setup
    ? `<label>Your email<input name="email" type="email" required autocomplete="username"></label>
<label>Your name<input name="name" required autocomplete="name"></label>`
    : '';
  const body = setup
    ? '{ token, email: f.email.value, name: f.name.value, password: f.password.value }'
    : '{ token, password: f.password.value }';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${title} · Vigil</title>
<style>body{font:16px system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0}input{display:block;width:100%;padding:.5rem;margin-top:.3rem;box-sizing:border-box}
button{padding:.6rem 1.2rem;margin-top:.8rem}#msg{color:#b00020;min-height:1.5em}</style></head>
<body><h1>${title}</h1>
${setup ? '<p>This link works once. The account you create here is an administrator.</p>' : ''}
<form id="f">${fields}
<label>New password (at least 12 characters)<input name="password" type="password" minlength="12" required autocomplete="new-password"></label>
<button type="submit">${setup ? 'Create administrator' : 'Set password'}</button><p id="msg" role="alert"></p></form>
<script>
const token = location.pathname.split('/').pop();
const f = document.getElementById('f');
f.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const res = await fetch('/api/v1/auth/${purpose}', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(${body}) });
  if (res.ok) { history.replaceState(null, '', '/'); location.href = '/'; return; }
  const p = await res.json().catch(() => ({}));
  document.getElementById('msg').textContent = p.detail || ('failed: ' + res.status);
});
</script></body></html>
`;
}
