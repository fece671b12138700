export const overview = `<h1>Sites</h1>
<% if (it.sites.length === 0) { %>
<p class="empty">No reports yet. Create an agent token with <code>camsweep collector token create --site NAME</code> and point an agent at this collector.</p>
<% } %>
<div class="sites">
<% it.sites.forEach(function (s) { %>
<section class="site">
  <h2><a href="/devices?site=<%= encodeURIComponent(s.site) %>"><%= s.site %></a></h2>
  <p class="meta">Last scan <% if (s.lastScan) { %><time datetime="<%= s.lastScan %>" title="<%= s.lastScan %>"><%= it.show.time(s.lastScan) %></time><% } else { %>never<% } %> · <%= s.agents %> agent<%= s.agents === 1 ? '' : 's' %></p>
  <% if (s.rules) { %><p class="meta<%= s.rules.stale ? ' error' : '' %>"><%= s.rules.text %></p><% } %>
  <p class="attestation">Attestation: <a href="/attestation?site=<%= encodeURIComponent(s.site) %>&amp;format=pdf">PDF</a> · <a href="/attestation?site=<%= encodeURIComponent(s.site) %>&amp;format=html">HTML</a></p>
  <table class="counts">
    <tr>
      <th scope="col">Covered</th><th scope="col">Suspect</th><th scope="col">Not covered</th><th scope="col">Unknown</th>
    </tr>
    <tr>
      <td><a class="v-covered" href="/devices?site=<%= encodeURIComponent(s.site) %>&amp;verdict=covered"><%= s.counts['covered'] %></a></td>
      <td><a class="v-suspect" href="/devices?site=<%= encodeURIComponent(s.site) %>&amp;verdict=suspect"><%= s.counts['suspect'] %></a></td>
      <td><a class="v-not-covered" href="/devices?site=<%= encodeURIComponent(s.site) %>&amp;verdict=not-covered"><%= s.counts['not-covered'] %></a></td>
      <td><a class="v-unknown" href="/devices?site=<%= encodeURIComponent(s.site) %>&amp;verdict=unknown"><%= s.counts['unknown'] %></a></td>
    </tr>
  </table>
  <% if (s.coverage) { var c = s.coverage.coverage; %>
  <div class="coverage">
    <h3>Coverage <span class="meta">(scan of <time datetime="<%= s.coverage.at %>" title="<%= s.coverage.at %>"><%= it.show.time(s.coverage.at) %></time>)</span></h3>
    <table class="subnets">
      <thead><tr><th scope="col">Subnet</th><th scope="col">Answered</th><th scope="col">Neighbours</th><th scope="col">Via switch</th><th scope="col">Reach</th></tr></thead>
      <tbody>
      <% c.subnets.forEach(function (n) { %>
        <tr><td><%= n.target %></td><td><%= n.answered %> of <%= n.inScope %></td><td><%= n.neighbours %></td><td><%= n.viaSwitch %></td>
          <td><%= n.local ? 'local segment' : 'routed (unicast only)' %></td></tr>
      <% }) %>
      </tbody>
    </table>
    <% if (c.switches.length > 0) { %>
    <p class="switches">Switches read: <%= c.switches.filter(function (w) { return w.outcome === 'read'; }).length %> of <%= c.switches.length %></p>
    <% } %>
    <% if (c.blindSpots.length === 0) { %><p class="meta">No blind spot recorded.</p><% } else { %>
    <ul class="blind-spots" aria-label="Blind spots">
      <% c.blindSpots.forEach(function (b) { %><li><strong><%= b.subject %></strong> <span class="kind"><%= b.kind %></span>: <%= b.detail %></li><% }) %>
    </ul>
    <% } %>
  </div>
  <% } else { %>
  <p class="meta coverage-missing">No coverage reported yet (agents older than this collector do not send it).</p>
  <% } %>
  <p class="remediation">Covered or suspect: <strong><%= s.open %></strong> open ·
    <%= s.exempted %> exempted · <%= s.removed %> removed or replaced</p>
  <% if (s.bars.length > 0) { %>
  <figure class="trend">
    <svg viewBox="0 0 <%= s.width %> 60" width="<%= s.width %>" height="60" role="img" aria-label="Covered, suspect, not-covered and unknown per scan, oldest first">
    <% s.bars.forEach(function (b) { %>
      <g><title><%= b.label %></title>
      <% b.parts.forEach(function (p) { %><rect class="bar-<%= p.verdict %>" x="<%= b.x %>" y="<%= p.y %>" width="14" height="<%= p.h %>"></rect><% }) %>
      </g>
    <% }) %>
    </svg>
    <figcaption>Trend over the last <%= s.bars.length %> scans (covered, suspect, not covered, unknown)</figcaption>
  </figure>
  <% } %>
</section>
<% }) %>
</div>
`;
