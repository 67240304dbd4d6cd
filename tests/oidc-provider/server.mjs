// Loopback OpenID Provider for tests (oidc-provider, pinned in package.json).
//
//   node server.mjs [--port N] [--host 127.0.0.1]
//
// Prints exactly one line to stdout when ready: the issuer URL, e.g.
//   http://127.0.0.1:41234
// Everything else (logs, errors) goes to stderr.
//
// Environment (all optional):
//   PORT             port to listen on (default 0 = pick a free one; --port wins)
//   HOST             bind address and issuer host (default 127.0.0.1)
//   CLIENT_ID        default hearth-test
//   CLIENT_SECRET    default hearth-test-secret
//   REDIRECT_URIS    comma separated exact redirect URIs; unset = accept any
//                    http://127.0.0.1|localhost|[::1] URI (any port, any path)
//   REQUIRE_CONSENT  1 = show a consent page after login (default: auto-consent)
//   LOG              1 = log each request to stderr
//
// Login: the login form's "username" picks the account (password is ignored):
//   [flag:]...email     e.g. ann@example.com, unverified:bob@example.com
// flags:
//   unverified   email_verified=false (default true)
//   noemail      no email / email_verified claims at all
//   sub=VALUE    use VALUE as the subject (default: "sub-" + sha256(email)[0..16])
//   name=VALUE   name claim (default: part of the email before "@")
//   badsig       ID token re-signed with a foreign key carrying the published kid
//   badkid       ID token signed with a foreign key and an unknown kid
//   badnonce     ID token re-signed (real key) with a different nonce
//   badaud       ID token re-signed (real key) with aud "someone-else"
//   badiss       ID token re-signed (real key) with iss "http://evil.invalid"
//   expired      ID token re-signed (real key) with exp/iat 1 hour in the past
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from 'jose';

const t0 = performance.now();
const { values: args } = parseArgs({
  options: { port: { type: 'string' }, host: { type: 'string' } },
});
const HOST = args.host ?? process.env.HOST ?? '127.0.0.1';
const PORT = Number(args.port ?? process.env.PORT ?? 0);
const CLIENT_ID = process.env.CLIENT_ID || 'hearth-test';
const CLIENT_SECRET = process.env.CLIENT_SECRET || 'hearth-test-secret';
const REDIRECT_URIS = (process.env.REDIRECT_URIS || '').split(',').map((s) => s.trim()).filter(Boolean);
const REQUIRE_CONSENT = process.env.REQUIRE_CONSENT === '1';
const LOG = process.env.LOG === '1';
const log = (...a) => console.error('[oidc]', ...a);

// ---------------------------------------------------------------- keys
// The provider signs with `realKey` and publishes its public half at /jwks.
// `rogueKey` is never published; it is used by the badsig/badkid flags.
async function makeRsaJwk(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}
const realJwk = await makeRsaJwk('test-key-1');
const rogueJwk = await makeRsaJwk('test-key-1'); // same kid, different key
const realKey = await importJWK(realJwk, 'RS256');
const rogueKey = await importJWK(rogueJwk, 'RS256');

// ---------------------------------------------------------------- accounts
const accounts = new Map(); // sub -> profile, filled at login

function parseLogin(login) {
  const parts = String(login).trim().split(':');
  const email = parts.pop().trim();
  const flags = new Set();
  let sub;
  let name;
  for (const p of parts) {
    if (p.startsWith('sub=')) sub = p.slice(4);
    else if (p.startsWith('name=')) name = p.slice(5);
    else flags.add(p);
  }
  sub ||= `sub-${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 16)}`;
  name ||= email.split('@')[0];
  return { sub, email, name, flags };
}

async function findAccount(ctx, sub) {
  const profile = accounts.get(sub);
  if (!profile) return undefined;
  return {
    accountId: sub,
    async claims() {
      const c = { sub, name: profile.name };
      if (!profile.flags.has('noemail')) {
        c.email = profile.email;
        c.email_verified = !profile.flags.has('unverified');
      }
      return c;
    },
  };
}

// ---------------------------------------------------------------- provider
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(PORT, HOST, resolve);
});
const hostForUrl = HOST.includes(':') ? `[${HOST}]` : HOST;
const ISSUER = `http://${hostForUrl}:${server.address().port}`;

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: REDIRECT_URIS.length ? REDIRECT_URIS : ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', // v9 accepts client_secret_post as well
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [realJwk] },
  cookies: {
    keys: [randomBytes(32).toString('hex')],
    // Cookies ignore ports: the app under test on 127.0.0.1:<other port> shares this
    // cookie jar, so use names the app will not use (defaults are _session, _interaction...).
    names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_resume' },
  },
  pkce: { required: () => true }, // S256 is the only method oidc-provider v9 supports
  scopes: ['openid', 'email', 'profile'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Default (conform): email and name come from the userinfo endpoint, not the ID token,
  // as with many providers; the app asks userinfo when the ID token has no address.
  allowOmittingSingleRegisteredRedirectUri: false,
  features: {
    devInteractions: { enabled: false }, // our own pages below (no external fonts)
    rpInitiatedLogout: { enabled: false },
  },
  findAccount,
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    if (REQUIRE_CONSENT) return undefined;
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
    grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Error</h1><pre id="error">${esc(JSON.stringify(out, null, 2))}</pre>`);
  },
  ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, IdToken: 3600, AccessToken: 3600 },
});

if (!REDIRECT_URIS.length) {
  // Accept any loopback http redirect URI (test app ports are random).
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    try {
      const u = new URL(value);
      return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) && !u.hash;
    } catch { return false; }
  };
}

provider.on('server_error', (ctx, err) => log('server_error', err));
provider.on('grant.error', (ctx, err) => log('grant.error', err.message, err.error_description ?? ''));
provider.on('authorization.error', (ctx, err) => log('authorization.error', err.message, err.error_description ?? ''));

// ID token tampering for negative tests, driven by login flags.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body?.id_token) return;
  const claims = decodeJwt(ctx.body.id_token);
  const flags = accounts.get(claims.sub)?.flags;
  if (!flags) return;
  const header = decodeProtectedHeader(ctx.body.id_token);
  let key = realKey;
  if (flags.has('badsig')) key = rogueKey;
  if (flags.has('badkid')) { key = rogueKey; header.kid = 'unknown-key'; }
  if (flags.has('badnonce')) claims.nonce = 'not-the-nonce-you-sent';
  if (flags.has('badaud')) claims.aud = 'someone-else';
  if (flags.has('badiss')) claims.iss = 'http://evil.invalid';
  if (flags.has('expired')) { claims.iat -= 7200; claims.exp = claims.iat + 3600; }
  if (!['badsig', 'badkid', 'badnonce', 'badaud', 'badiss', 'expired'].some((f) => flags.has(f))) return;
  ctx.body = { ...ctx.body, id_token: await new SignJWT(claims).setProtectedHeader(header).sign(key) };
  log(`tampered id_token for ${claims.sub}: ${[...flags].join(',')}`);
});

// ---------------------------------------------------------------- interactions
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${esc(title)} - Test provider</title>
<style>body{font-family:sans-serif;max-width:22rem;margin:3rem auto}input,button{display:block;width:100%;margin:.4rem 0;padding:.4rem;box-sizing:border-box}</style>
</head><body>${body}</body></html>`;

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { data += c; if (data.length > 1e5) req.destroy(); });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(data))));
    req.on('error', reject);
  });
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function interactions(req, res, url) {
  const m = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/);
  if (!m) return send(res, 404, page('Not found', '<h1>Not found</h1>'));
  const [, uid, action] = m;
  const details = await provider.interactionDetails(req, res); // reads the _interaction cookie
  if (details.uid !== uid) return send(res, 400, page('Error', '<h1>Interaction mismatch</h1>'));
  const { prompt, params } = details;

  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') {
      return send(res, 200, page('Sign in', `<h1>Test provider: sign in</h1>
<p>Signing in to <b>${esc(params.client_id)}</b></p>
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
  <label>Username <input name="username" id="username" required autofocus value="${esc(params.login_hint)}"></label>
  <label>Password <input name="password" id="password" type="password"></label>
  <button type="submit" id="sign-in">Sign in</button>
</form>
<p><a href="/interaction/${esc(uid)}/abort" id="cancel">Cancel</a></p>`));
    }
    if (prompt.name === 'consent') {
      return send(res, 200, page('Authorize', `<h1>Authorize ${esc(params.client_id)}</h1>
<p>Scopes: ${esc(params.scope)}</p>
<form method="post" action="/interaction/${esc(uid)}/confirm">
  <button type="submit" id="allow">Allow</button>
</form>
<p><a href="/interaction/${esc(uid)}/abort" id="cancel">Cancel</a></p>`));
    }
    return send(res, 501, page('Error', `<h1>Unsupported prompt ${esc(prompt.name)}</h1>`));
  }

  if (req.method === 'POST' && action === 'login') {
    if (prompt.name !== 'login') return send(res, 400, page('Error', '<h1>Not at login</h1>'));
    const form = await readForm(req);
    if (!form.username?.includes('@')) {
      return send(res, 400, page('Error', '<h1>username must contain an email address</h1>'));
    }
    const profile = parseLogin(form.username);
    accounts.set(profile.sub, profile);
    return provider.interactionFinished(req, res, { login: { accountId: profile.sub } },
      { mergeWithLastSubmission: false });
  }

  if (req.method === 'POST' && action === 'confirm') {
    if (prompt.name !== 'consent') return send(res, 400, page('Error', '<h1>Not at consent</h1>'));
    const { grantId, session } = details;
    const grant = grantId ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const d = prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    if (d.missingResourceScopes) {
      for (const [ind, sc] of Object.entries(d.missingResourceScopes)) grant.addResourceScope(ind, sc.join(' '));
    }
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true });
  }

  if (req.method === 'GET' && action === 'abort') {
    return provider.interactionFinished(req, res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false });
  }
  return send(res, 405, page('Error', '<h1>Method not allowed</h1>'));
}

const providerCallback = provider.callback();
server.on('request', async (req, res) => {
  if (LOG) log(req.method, req.url);
  const url = new URL(req.url, ISSUER);
  if (url.pathname.startsWith('/interaction/')) {
    try {
      await interactions(req, res, url);
    } catch (err) {
      log('interaction error', err);
      if (!res.headersSent) send(res, 400, page('Error', `<h1>Error</h1><pre id="error">${esc(err.message)}</pre>`));
    }
    return;
  }
  providerCallback(req, res);
});

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(); process.exit(0); });

log(`ready in ${(performance.now() - t0).toFixed(0)} ms (since module start); client ${CLIENT_ID}; redirect URIs: ${REDIRECT_URIS.join(',') || 'any loopback'}`);
process.stdout.write(`${ISSUER}\n`);
