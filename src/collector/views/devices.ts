export const devices = `<h1>Devices</h1>
<form class="filters" method="get" action="/devices">
  <label>Site
    <select name="site">
      <option value="">all</option>
      <% it.sites.forEach(function (s) { %><option value="<%= s %>"<%= s === it.filter.site ? ' selected' : '' %>><%= s %></option><% }) %>
    </select>
  </label>
  <label>Verdict
    <select name="verdict">
      <option value="">all</option>
      <% it.verdicts.forEach(function (v) { %><option value="<%= v %>"<%= v === it.filter.verdict ? ' selected' : '' %>><%= v %></option><% }) %>
    </select>
  </label>
  <label>Remediation
    <select name="state">
      <option value="">all</option>
      <% it.states.forEach(function (v) { %><option value="<%= v %>"<%= v === it.filter.state ? ' selected' : '' %>><%= v %></option><% }) %>
    </select>
  </label>
  <label>Search <input type="search" name="q" value="<%= it.filter.q || '' %>" placeholder="IP, MAC, model, serial…" maxlength="128"></label>
  <button type="submit">Filter</button>
</form>
<p class="exports">
  <%= it.total %> device<%= it.total === 1 ? '' : 's' %> ·
  Export: <a href="/export/devices.csv?<%= it.query %>">CSV</a> · <a href="/export/devices.json?<%= it.query %>">JSON</a>
</p>
<table class="devices">
<thead><tr>
  <th scope="col">Verdict</th><th scope="col">Site</th><th scope="col">IP</th><th scope="col">MAC</th>
  <th scope="col">Manufacturer</th><th scope="col">Brand</th><th scope="col">Type</th><th scope="col">Model</th>
  <th scope="col">Remediation</th><th scope="col">Last seen</th>
</tr></thead>
<tbody>
<% it.rows.forEach(function (d) { %>
<tr>
  <td><span class="verdict v-<%= d.verdict %>"><%= d.verdict %></span></td>
  <td><%= d.site %></td>
  <td><a href="/devices/<%= d.id %>"><%= d.ip %></a></td>
  <td><%= d.mac || '' %></td>
  <td><%= d.manufacturer || '' %></td>
  <td><%= d.brand || '' %></td>
  <td><%= d.deviceType || '' %></td>
  <td><%= d.model || '' %></td>
  <td><span class="state s-<%= d.state %>"><%= d.state %></span></td>
  <td><%= d.lastSeen %></td>
</tr>
<% }) %>
</tbody>
</table>
<nav class="pages">
  <% if (it.prev !== null) { %><a href="/devices?<%= it.prev %>">← Previous</a><% } %>
  <span>Page <%= it.page %> of <%= it.pages %></span>
  <% if (it.next !== null) { %><a href="/devices?<%= it.next %>">Next →</a><% } %>
</nav>
`;
