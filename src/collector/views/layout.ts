// The page frame. Every value printed with <%= %> is HTML-escaped by eta (autoEscape: true);
// <%~ %> appears only for the body, which is itself a rendered, escaped template.
export const layout = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · camsweep collector</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header class="top">
  <a class="brand" href="/">camsweep</a>
  <% if (it.user) { %>
  <nav>
    <a href="/">Overview</a>
    <a href="/devices">Devices</a>
    <a href="/devices?verdict=covered&amp;state=open">Open covered</a>
    <% if (it.admin) { %><a href="/users">Users</a><% } %>
  </nav>
  <form class="logout" method="post" action="/logout">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <span class="who"><%= it.user %></span>
    <button type="submit">Log out</button>
  </form>
  <% } %>
</header>
<main>
<%~ it.body %>
</main>
</body>
</html>
`;

// Sign-in: an OIDC button (a plain link: a form posting to another origin would break the
// CSP's form-action), and the password form for a directory (LDAP) or a local account.
export const login = `<section class="login">
<h1>Sign in</h1>
<% if (it.error) { %><p class="error" role="alert"><%= it.error %></p><% } %>
<% if (it.oidc) { %><p><a class="sso" href="/login/oidc">Sign in with <%= it.oidc %></a></p><% } %>
<form method="post" action="/login">
  <input type="hidden" name="_csrf" value="<%= it.loginCsrf %>">
  <% if (it.ldap) { %>
  <fieldset class="method"><legend>Account</legend>
    <label class="choice"><input type="radio" name="method" value="ldap"<% if (it.method !== 'local') { %> checked<% } %>> <%= it.ldap %></label>
    <label class="choice"><input type="radio" name="method" value="local"<% if (it.method === 'local') { %> checked<% } %>> Local account</label>
  </fieldset>
  <% } %>
  <label>User name <input name="username" autocomplete="username" required maxlength="128" value="<%= it.username %>"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
  <button type="submit">Sign in</button>
</form>
</section>
`;

// After an OIDC callback: the session cookie is SameSite=Strict, which a redirect at the end of
// a navigation that began at the identity provider would not carry; a refresh from this page
// (same site) does. No script needed, so the CSP stays strict.
export const continuePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/">
<title>Signed in · camsweep collector</title><link rel="stylesheet" href="/static/app.css"></head>
<body><main><p>Signed in. <a href="/">Continue to the overview</a>.</p></main></body></html>
`;

export const problem = `<section>
<h1><%= it.heading %></h1>
<p><%= it.message %></p>
<p><a href="/">Back to the overview</a></p>
</section>
`;
