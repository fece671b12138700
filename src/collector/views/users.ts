// User management for admins over every site. Every value is escaped by eta (<%= %>); every
// form posts the session's CSRF token and lands back on this page.
export const users = `<h1>Users</h1>
<% if (it.error) { %><p class="error" role="alert"><%= it.error %></p><% } %>
<table class="users">
<thead><tr><th scope="col">User</th><th scope="col">Signs in with</th><th scope="col">State</th><th scope="col">Roles</th><th scope="col">Sign-in</th></tr></thead>
<tbody>
<% it.users.forEach(function (u) { %>
<tr>
  <td><%= u.username %></td>
  <td><%= u.source === 'local' ? 'password' : u.source.toUpperCase() %><% if (u.source !== 'local') { %><br><span class="meta">roles follow directory groups at each sign-in</span><% } %></td>
  <td><% if (u.disabledAt) { %><span class="state s-open">disabled</span> since <time datetime="<%= u.disabledAt %>" title="<%= u.disabledAt %>"><%= it.show.time(u.disabledAt) %></time><% } else { %><span class="state s-removed">enabled</span><% } %></td>
  <td>
    <% if (u.grants.length === 0) { %><span class="empty">no role</span><% } %>
    <ul class="grants">
    <% u.grants.forEach(function (g) { %>
      <li><%= g.role %> over <%= g.kind === 'all' ? 'every site' : g.kind + ' ' + g.name %>
        <form class="inline revoke-role" method="post" action="/users/revoke">
          <input type="hidden" name="_csrf" value="<%= it.csrf %>">
          <input type="hidden" name="username" value="<%= u.username %>">
          <input type="hidden" name="role" value="<%= g.role %>">
          <input type="hidden" name="scope" value="<%= g.kind %>">
          <input type="hidden" name="name" value="<%= g.name %>">
          <button type="submit">Revoke</button>
        </form>
      </li>
    <% }) %>
    </ul>
  </td>
  <td>
    <form class="inline user-state" method="post" action="/users/state">
      <input type="hidden" name="_csrf" value="<%= it.csrf %>">
      <input type="hidden" name="username" value="<%= u.username %>">
      <input type="hidden" name="state" value="<%= u.disabledAt ? 'enabled' : 'disabled' %>">
      <button type="submit"><%= u.disabledAt ? 'Enable' : 'Disable' %></button>
    </form>
  </td>
</tr>
<% }) %>
</tbody>
</table>
<h2>Grant a role</h2>
<form class="grant" method="post" action="/users/grant">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <label>User
    <select name="username" required>
    <% it.users.forEach(function (u) { %><option value="<%= u.username %>"><%= u.username %></option><% }) %>
    </select>
  </label>
  <label>Role
    <select name="role"><% it.roles.forEach(function (r) { %><option value="<%= r %>"><%= r %></option><% }) %></select>
  </label>
  <label>Over
    <select name="scope"><option value="site">site</option><option value="group">site group</option><option value="all">every site</option></select>
  </label>
  <label>Site or group name <input name="name" maxlength="128" list="scope-names"></label>
  <datalist id="scope-names"><% it.scopeNames.forEach(function (n) { %><option value="<%= n %>"><% }) %></datalist>
  <button type="submit">Grant</button>
</form>
<p class="meta">New users and password resets: <code>camsweep collector user create</code>.</p>
<h2>API tokens</h2>
<% if (it.tokens.length === 0) { %><p class="empty">No API tokens.</p><% } else { %>
<table class="tokens">
<thead><tr><th scope="col">Id</th><th scope="col">Label</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead>
<tbody>
<% it.tokens.forEach(function (t) { %>
<tr>
  <td><code><%= t.id %></code></td><td><%= t.label || '' %></td>
  <td><%= t.role %> over <%= t.kind === 'all' ? 'every site' : t.kind + ' ' + t.name %></td>
  <td><time datetime="<%= t.createdAt %>" title="<%= t.createdAt %>"><%= it.show.time(t.createdAt) %></time> by <%= t.createdBy %></td>
  <td><%= t.lastUsedAt ? it.show.time(t.lastUsedAt) : 'never' %></td>
  <td><% if (t.revokedAt) { %>revoked <%= it.show.time(t.revokedAt) %> by <%= t.revokedBy || '' %><% } else { %>
    <form class="inline revoke-token" method="post" action="/users/api-tokens/revoke">
      <input type="hidden" name="_csrf" value="<%= it.csrf %>">
      <input type="hidden" name="id" value="<%= t.id %>">
      <button type="submit">Revoke</button>
    </form><% } %></td>
</tr>
<% }) %>
</tbody>
</table>
<% } %>
<p class="meta">Create a token with <code>camsweep collector api-token create --role viewer --site NAME</code>; its secret is printed once.</p>
`;
