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

export const login = `<section class="login">
<h1>Sign in</h1>
<% if (it.error) { %><p class="error" role="alert"><%= it.error %></p><% } %>
<form method="post" action="/login">
  <input type="hidden" name="_csrf" value="<%= it.loginCsrf %>">
  <label>User name <input name="username" autocomplete="username" required maxlength="128" value="<%= it.username %>"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
  <button type="submit">Sign in</button>
</form>
</section>
`;

export const problem = `<section>
<h1><%= it.heading %></h1>
<p><%= it.message %></p>
<p><a href="/">Back to the overview</a></p>
</section>
`;
