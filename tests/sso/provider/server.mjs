// A real OpenID provider for the SSO tests: panva/oidc-provider (OpenID Certified), on loopback.
//
//   node server.mjs '{"port": 5123, "issuer": "http://127.0.0.1:5123", "clients": [...]}'
//
// Its login page is a test page: it asks for the identity to sign in (sub, email, names), so a
// test can be anyone. A test without a browser finishes the login in one request:
//   GET /interaction/<uid>?sub=...&email=...&given_name=...&family_name=...
// Every start makes new signing keys, so two providers given the same issuer sign differently
// (the tests' "bad signature" case); so does "wrong_jwks": true. Prints "ready <issuer>" once it listens.
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] || process.env.PROVIDER_CONFIG || '{}');
const port = Number(config.port || 5123);
const issuer = config.issuer || `http://127.0.0.1:${port}`;

const accounts = new Map(); // sub -> claims, filled by the login page

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const kid = config.kid || `k-${Date.now()}`;
const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
// "wrong_jwks": publish another key under the same kid, so every ID token's signature fails.
const other = (await generateKeyPair('RS256', { extractable: true })).publicKey;
const wrongJwks = { keys: [{ ...(await exportJWK(other)), kid, alg: 'RS256', use: 'sig' }] };

const provider = new Provider(issuer, {
  clients: config.clients || [],
  jwks: { keys: [jwk] },
  cookies: { keys: ['microlearn-test-provider'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  features: { devInteractions: { enabled: false } },
  ttl: { AuthorizationCode: Number(config.code_ttl || 60) },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const claims = accounts.get(sub);
    if (!claims) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...claims }) };
  },
});
provider.proxy = false;

function escape(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
}

async function finish(ctx, fields) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const sub = String(fields.sub || '').trim();
  if (!sub) {
    ctx.status = 400;
    ctx.body = 'sub is required';
    return;
  }
  accounts.set(sub, {
    email: fields.email || undefined,
    email_verified: fields.email_verified !== 'false',
    given_name: fields.given_name || undefined,
    family_name: fields.family_name || undefined,
    name: [fields.given_name, fields.family_name].filter(Boolean).join(' ') || undefined,
  });
  const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope || 'openid');
  const grantId = await grant.save();
  const returnTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: sub }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(returnTo);
}

provider.use(async (ctx, next) => {
  if (config.wrong_jwks && ctx.path === '/jwks') {
    ctx.type = 'application/jwk-set+json';
    ctx.body = wrongJwks;
    return undefined;
  }
  const match = ctx.path.match(/^\/interaction\/([^/]+)\/?$/);
  if (!match) return next();
  if (ctx.method === 'POST') return finish(ctx, await readForm(ctx.req));
  if (ctx.query.sub) return finish(ctx, ctx.query);
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const hint = details.params.login_hint || '';
  ctx.type = 'html';
  ctx.body = `<!doctype html><html lang="en"><head><title>Test identity provider</title></head><body>
<main><h1>Test identity provider</h1><p>Client: ${escape(details.params.client_id)}</p>
<form method="post" action="/interaction/${escape(details.uid)}">
<p><label for="sub">Subject</label> <input id="sub" name="sub" required></p>
<p><label for="email">Email</label> <input id="email" name="email" value="${escape(hint)}"></p>
<p><label for="given_name">Given name</label> <input id="given_name" name="given_name"></p>
<p><label for="family_name">Family name</label> <input id="family_name" name="family_name"></p>
<p><button type="submit">Sign in at the provider</button></p>
</form></main></body></html>`;
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
