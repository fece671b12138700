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
  <label>Switch
    <select name="switch">
      <option value="">all</option>
      <% it.choices.switches.forEach(function (w) { %><option value="<%= w %>"<%= w === it.filter.switch ? ' selected' : '' %>><%= w %></option><% }) %>
    </select>
  </label>
  <label>VLAN
    <select name="vlan">
      <option value="">all</option>
      <% it.choices.vlans.forEach(function (v) { %><option value="<%= v %>"<%= v === it.filter.vlan ? ' selected' : '' %>><%= v %></option><% }) %>
    </select>
  </label>
  <label>Search <input type="search" name="q" value="<%= it.filter.q || '' %>" placeholder="IP, MAC, model, serial, switch…" maxlength="128"></label>
  <% if (it.filter.sort) { %><input type="hidden" name="sort" value="<%= it.filter.sort %>"><input type="hidden" name="dir" value="<%= it.filter.dir %>"><% } %>
  <button type="submit">Filter</button>
</form>
<p class="exports">
  <%= it.total %> device<%= it.total === 1 ? '' : 's' %> ·
  Export: <a href="/export/devices.csv?<%= it.query %>">CSV</a> · <a href="/export/devices.json?<%= it.query %>">JSON</a>
</p>
<table class="devices">
<thead><tr>
<% var col = function (key, label) { var on = it.filter.sort === key; return { href: '/devices?' + it.sortLinks[key], label: label, sort: on ? (it.filter.dir === 'desc' ? 'descending' : 'ascending') : 'none' }; }; %>
<% [['verdict', 'Verdict'], ['site', 'Site'], ['ip', 'IP'], [null, 'MAC'], ['manufacturer', 'Manufacturer'], [null, 'Brand'], ['type', 'Type'], ['model', 'Model'], ['switch', 'Switch'], [null, 'Port'], ['vlan', 'VLAN'], [null, 'Remediation'], ['lastSeen', 'Last seen']].forEach(function (h) { %>
  <% if (h[0]) { var c = col(h[0], h[1]); %><th scope="col" aria-sort="<%= c.sort %>"><a href="<%= c.href %>"><%= c.label %></a><%= c.sort === 'ascending' ? ' ▲' : c.sort === 'descending' ? ' ▼' : '' %></th><% } else { %><th scope="col"><%= h[1] %></th><% } %>
<% }) %>
</tr></thead>
<tbody>
<% it.rows.forEach(function (d) { %>
<tr>
  <td><span class="verdict v-<%= d.verdict %>"><%= d.verdict %></span></td>
  <td><%= d.site %></td>
  <td><a href="/devices/<%= d.id %>"><%= d.ip %></a></td>
  <td><%= d.mac || '' %></td>
  <td title="<%= d.manufacturer || '' %>"><%= it.show.maker(d.manufacturer) %></td>
  <td title="<%= d.brand || '' %>"><%= it.show.brand(d.brand) %></td>
  <td><%= d.deviceType || '' %></td>
  <td><%= d.model || '' %></td>
  <td><%= d.switchLabel || '' %></td>
  <td><%= d.location ? d.location.port : '' %><% if (d.location && d.location.portAlias) { %> <span class="meta">(<%= d.location.portAlias %>)</span><% } %></td>
  <td><%= d.vlan === null || d.vlan === undefined ? '' : d.vlan %></td>
  <td><% if (d.verdict === 'covered' || d.verdict === 'suspect') { %><span class="state s-<%= d.state %>"><%= d.state %></span><% } else { %><span class="meta">—</span><% } %></td>
  <td><time datetime="<%= d.lastSeen %>" title="<%= d.lastSeen %>"><%= it.show.time(d.lastSeen) %></time></td>
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
