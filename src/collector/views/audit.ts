// The audit trail, newest first. Every value is escaped by eta (<%= %>).
export const audit = `<h1>Audit trail</h1>
<p class="exports"><%= it.total %> entries · Export: <a href="/export/audit.csv">CSV</a></p>
<table class="devices">
<thead><tr>
  <th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">From</th>
  <th scope="col">Action</th><th scope="col">Target</th><th scope="col">Site</th>
  <th scope="col">Before</th><th scope="col">After</th>
</tr></thead>
<tbody>
<% it.rows.forEach(function (e) { %>
<tr>
  <td><%= e.id %></td><td><%= e.at %></td><td><%= e.actor %></td><td><%= e.source %></td>
  <td><%= e.action %></td><td><%= e.target %></td><td><%= e.site || '' %></td>
  <td><code><%= e.before || '' %></code></td><td><code><%= e.after || '' %></code></td>
</tr>
<% }) %>
</tbody>
</table>
<nav class="pages">
  <% if (it.prev) { %><a href="/audit?page=<%= it.prev %>">Newer</a><% } %>
  <span>Page <%= it.page %> of <%= it.pages %></span>
  <% if (it.next) { %><a href="/audit?page=<%= it.next %>">Older</a><% } %>
</nav>
`;
