import { createHash } from 'node:crypto';

/**
 * GET /invitations/accept?token=…: where an invitation email's link lands when PUBLIC_URL is this
 * server (the default). A self-contained page (no external assets: it works offline) whose form
 * calls acceptInvitation, with no API token, and shows the realm and groups its answer names; a
 * front end at PUBLIC_URL can replace it. What it shows is text, never markup.
 */
const style = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; color: #1f2328; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; border: 1px solid #8c959f; border-radius: 6px; }
  button { margin-top: 1.5rem; padding: .6rem 1.2rem; font: inherit; border: 0; border-radius: 6px; background: #1f6feb; color: #fff; cursor: pointer; }
  #message { margin-top: 1.5rem; }
  .error { color: #cf222e; } .done { color: #1a7f37; }
`;

const script = `
  const token = new URLSearchParams(location.search).get('token');
  const form = document.getElementById('accept');
  const message = document.getElementById('message');
  const show = (text, kind) => { message.textContent = text; message.className = kind; };
  if (!token) { form.hidden = true; show('This link has no invitation token. Use the link from your email.', 'error'); }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = { token, displayName: form.displayName.value, username: form.username.value };
    try {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query:
            'mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { identity { username realm { displayName } groups { totalCount edges { node { name } } } } } }',
          variables: { input },
        }),
      });
      const result = await response.json();
      // Data means it committed, even with errors beside it (a part of the answer that failed).
      const identity = result.data && result.data.acceptInvitation && result.data.acceptInvitation.identity;
      if (!identity) return show(result.errors ? result.errors[0].message : 'Something went wrong. Try again.', 'error');
      form.hidden = true;
      const groups = identity.groups ? identity.groups.edges.map((edge) => edge.node.name) : [];
      const more = identity.groups ? identity.groups.totalCount - groups.length : 0;
      if (more > 0) groups.push(more + ' more');
      const realm = identity.realm ? ' to ' + identity.realm.displayName : '';
      show('Welcome' + realm + ', ' + identity.username + '! Your account is active.' + (groups.length ? ' Your groups: ' + groups.join(', ') + '.' : ''), 'done');
    } catch {
      show('The server could not be reached. Try again.', 'error');
    }
  });
`;

export const acceptPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accept your invitation</title>
<style>${style}</style>
</head>
<body>
<h1>Accept your invitation</h1>
<form id="accept">
  <label for="displayName">Your name</label>
  <input id="displayName" name="displayName" required maxlength="64" autocomplete="name">
  <label for="username">Choose a username</label>
  <input id="username" name="username" required maxlength="128" autocomplete="username" pattern="\\S+" title="No spaces">
  <button type="submit">Accept</button>
</form>
<p id="message" role="status"></p>
<script>${script}</script>
</body>
</html>
`;

/**
 * Its address holds the invitation's secret: the policy lets nothing run but its own inline script
 * and style (by their hashes), talk to nothing but this server, and frame it nowhere; with the
 * Referrer-Policy the server sets on every answer, no request carries the address away.
 */
export const acceptPageContentSecurityPolicy = [
  "default-src 'none'",
  `script-src '${sha256(script)}'`,
  `style-src '${sha256(style)}'`,
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  // The script sends the form; without it, nothing is submitted anywhere.
  "form-action 'none'",
].join('; ');

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text).digest('base64')}`;
}
