// A real OpenID Connect provider (panva's `oidc-provider`) for the browser tests.
//
//   OIDC_PORT=9400 OIDC_REDIRECT_URIS=http://127.0.0.1:8080/callback \
//     OIDC_POST_LOGOUT_REDIRECT_URIS=http://127.0.0.1:8080/ node e2e/oidc-provider.mjs
//
// Environment:
//   OIDC_PORT                       listens on 127.0.0.1:PORT (0 picks a free one); issuer http://127.0.0.1:PORT
//   OIDC_REDIRECT_URIS              comma separated redirect URIs of the client `lyre` (required)
//   OIDC_POST_LOGOUT_REDIRECT_URIS  comma separated post-logout redirect URIs of the client `lyre`
//   OIDC_CODE_TTL_SECS              authorization code lifetime in seconds (default 60)
//
// One client: client_id `lyre`, client_secret `lyre-test-secret`, client_secret_basic,
// authorization_code with response_type `code`, PKCE (S256) required.
// Scopes `openid profile email groups`; the claims `preferred_username`, `name`, `email` and
// `groups` are in the ID token as well as at the userinfo endpoint.
//
// Users (sub = user name):        password
//   alice  Alice Liddell  alice@lyre.test  ["shop-devs"]    alice-password
//   carol  Carol Danvers  carol@lyre.test  ["lyre-admins"]  carol-password
//   dave   Dave Lister    (no email)       []               dave-password
//
// Pages a browser test meets:
//   Sign-in page (/interaction/:uid): heading "Sign in to the test provider", inputs
//     `input[name="login"]` and `input[name="password"]`, button "Sign in"
//     (`button[type="submit"][name="action"][value="login"]`), and a "Cancel" button that
//     returns `error=access_denied` to the redirect URI. A wrong user name or password shows
//     the form again with `#error` reading "Invalid user name or password.". A `login_hint`
//     fills in the user name. There is no consent page: the client `lyre` is granted every
//     scope and claim it asks for.
//   The provider remembers the signed-in user in its own cookie, so a second authorization
//   in the same browser context signs in without the form (unless `prompt=login`); use a new
//   browser context, or end the session, to sign in as someone else.
//   End session (GET /session/end?client_id=lyre&post_logout_redirect_uri=...&state=...):
//     the page submits itself by script (a client without scripts posts its form, `logout=yes`
//     included, or clicks "Sign out"), the provider's session ends, and the browser lands on
//     post_logout_redirect_uri (with `state` when given). Without a post_logout_redirect_uri
//     it lands on /session/end/success, heading "Signed out".
//   Errors are shown as a page with heading "Sign-in error" and `#error` / `#error_description`.
//
// Prints `oidc-provider listening on http://127.0.0.1:PORT` once it serves; exits on SIGTERM.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import Provider from "oidc-provider";

const CLIENT_ID = "lyre";
const CLIENT_SECRET = "lyre-test-secret";
const SCOPES = "openid profile email groups";

const USERS = {
  alice: {
    password: "alice-password",
    name: "Alice Liddell",
    email: "alice@lyre.test",
    groups: ["shop-devs"],
  },
  carol: {
    password: "carol-password",
    name: "Carol Danvers",
    email: "carol@lyre.test",
    groups: ["lyre-admins"],
  },
  dave: { password: "dave-password", name: "Dave Lister", groups: [] },
};

function list(value) {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

function fail(message) {
  process.stderr.write(`oidc-provider: ${message}\n`);
  process.exit(2);
}

const port = Number(process.env.OIDC_PORT);
if (!process.env.OIDC_PORT || !Number.isInteger(port) || port < 0 || port > 65535) {
  fail("set OIDC_PORT to the port to listen on");
}
const redirectUris = list(process.env.OIDC_REDIRECT_URIS);
if (redirectUris.length === 0) fail("set OIDC_REDIRECT_URIS (comma separated)");
const postLogoutRedirectUris = list(process.env.OIDC_POST_LOGOUT_REDIRECT_URIS);
const codeTtlSecs = Number(process.env.OIDC_CODE_TTL_SECS ?? 60);
if (!Number.isInteger(codeTtlSecs) || codeTtlSecs < 1) fail("OIDC_CODE_TTL_SECS must be a positive integer");

const escapeHtml = (value) =>
  String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:sans-serif;margin:3em auto;max-width:22em}
label{display:block;margin:.8em 0}input{display:block;width:100%;box-sizing:border-box}
button{margin:1em .5em 0 0}#error{color:#b00020}
</style>
</head>
<body>
${body}
</body>
</html>`;
}

function findAccount(_ctx, sub) {
  const user = USERS[sub];
  if (!user) return undefined;
  return {
    accountId: sub,
    async claims() {
      return {
        sub,
        preferred_username: sub,
        name: user.name,
        ...(user.email ? { email: user.email } : {}),
        groups: [...user.groups],
      };
    },
  };
}

/** Grants the client `lyre` whatever it asks for, so there is no consent prompt. */
async function loadExistingGrant(ctx) {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
  let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (oidc.client.clientId !== CLIENT_ID) return grant;
  if (!grant || grant.accountId !== oidc.account.accountId) {
    grant = new oidc.provider.Grant({ accountId: oidc.account.accountId, clientId: CLIENT_ID });
  }
  const scopes = [...oidc.requestParamOIDCScopes];
  if (scopes.length) grant.addOIDCScope(scopes.join(" "));
  const claims = [...oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  await grant.save();
  return grant;
}

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: "jwk" }),
  kid: randomBytes(8).toString("hex"),
  alg: "RS256",
  use: "sig",
};

const server = createServer();
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(port, "127.0.0.1", resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["authorization_code"],
      response_types: ["code"],
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
      id_token_signed_response_alg: "RS256",
    },
  ],
  jwks: { keys: [signingKey] },
  findAccount,
  loadExistingGrant,
  scopes: SCOPES.split(" "),
  claims: {
    openid: ["sub"],
    profile: ["name", "preferred_username"],
    email: ["email"],
    groups: ["groups"],
  },
  conformIdTokenClaims: false,
  pkce: { methods: ["S256"], required: () => true },
  responseTypes: ["code"],
  ttl: {
    AuthorizationCode: codeTtlSecs,
    AccessToken: 3600,
    IdToken: 3600,
    RefreshToken: 24 * 3600,
    Interaction: 3600,
    Session: 24 * 3600,
    Grant: 24 * 3600,
  },
  cookies: {
    keys: [randomBytes(32).toString("base64url")],
    // Distinct from anything a portal on another port of 127.0.0.1 sets (cookies ignore ports).
    names: { session: "op_session", interaction: "op_interaction", resume: "op_interaction_resume" },
    // Plain http: never `Secure`, and so not `SameSite=None` either (browsers drop that without Secure).
    long: { httpOnly: true, sameSite: "lax", secure: false, signed: true },
    short: { httpOnly: true, sameSite: "lax", secure: false, signed: true },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        // Confirms the sign-out by itself; the button is there for a browser without scripts.
        const confirmed = form.replace(
          "</form>",
          '<input type="hidden" name="logout" value="yes"/></form>',
        );
        ctx.type = "html";
        ctx.body = page(
          "Signing out",
          `<h1>Signing out</h1>
${confirmed}
<button type="submit" form="op.logoutForm">Sign out</button>
<script>document.forms[0].submit()</script>`,
        );
      },
      async postLogoutSuccessSource(ctx) {
        ctx.type = "html";
        ctx.body = page("Signed out", "<h1>Signed out</h1><p>You are signed out of the test provider.</p>");
      },
    },
  },
  clientBasedCORS: () => false,
  async renderError(ctx, out) {
    ctx.type = "html";
    ctx.body = page(
      "Sign-in error",
      `<h1>Sign-in error</h1>
<p id="error">${escapeHtml(out.error)}</p>
<p id="error_description">${escapeHtml(out.error_description)}</p>`,
    );
  },
});

function loginPage(uid, { login = "", error } = {}) {
  return page(
    "Sign in",
    `<h1>Sign in to the test provider</h1>
${error ? `<p id="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label>User name <input name="login" autocomplete="username" value="${escapeHtml(login)}" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit" name="action" value="login">Sign in</button>
<button type="submit" name="action" value="abort" formnovalidate>Cancel</button>
</form>`,
  );
}

function send(res, status, html) {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
  });
  res.end(html);
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 64 * 1024) throw new Error("form too large");
  }
  return new URLSearchParams(body);
}

/** The sign-in step; other prompts (there should be none) are granted straight away. */
async function interaction(req, res, uid) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (error) {
    send(res, 400, page("Sign-in error", `<h1>Sign-in error</h1><p id="error">${escapeHtml(error.message)}</p>`));
    return;
  }
  if (details.uid !== uid) {
    send(res, 400, page("Sign-in error", '<h1>Sign-in error</h1><p id="error">interaction mismatch</p>'));
    return;
  }
  const { prompt, params } = details;

  if (prompt.name !== "login") {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } });
    return;
  }

  if (req.method === "GET") {
    send(res, 200, loginPage(uid, { login: params.login_hint }));
    return;
  }
  if (req.method !== "POST") {
    send(res, 405, page("Sign-in error", '<h1>Sign-in error</h1><p id="error">method not allowed</p>'));
    return;
  }
  const form = await readForm(req);
  if (form.get("action") === "abort") {
    await provider.interactionFinished(
      req,
      res,
      { error: "access_denied", error_description: "End-User aborted interaction" },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const login = (form.get("login") ?? "").trim();
  const user = Object.hasOwn(USERS, login) ? USERS[login] : undefined;
  if (!user || form.get("password") !== user.password) {
    send(res, 200, loginPage(uid, { login, error: "Invalid user name or password." }));
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: login } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
server.on("request", (req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)\/?$/.exec(new URL(req.url, issuer).pathname);
  if (!match) {
    callback(req, res);
    return;
  }
  interaction(req, res, match[1]).catch((error) => {
    process.stderr.write(`oidc-provider: interaction failed: ${error.stack ?? error}\n`);
    if (!res.headersSent) send(res, 500, page("Sign-in error", '<h1>Sign-in error</h1><p id="error">server_error</p>'));
    else res.end();
  });
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);

process.stdout.write(`oidc-provider listening on ${issuer}\n`);
