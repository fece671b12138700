export const device = `<p><a href="/devices?site=<%= encodeURIComponent(it.d.site) %>">← <%= it.d.site %> devices</a></p>
<h1><span class="verdict v-<%= it.d.verdict %>"><%= it.d.verdict %></span> <%= it.d.manufacturer ? it.show.maker(it.d.manufacturer) : 'unidentified' %> <%= it.d.model || '' %> at <%= it.d.ip %></h1>
<% if (it.d.seenAfterRemoval) { %>
<p class="error" role="alert">Marked <%= it.d.state %> on <%= it.show.time(it.d.stateUpdatedAt) %>, but a scan saw it again on <%= it.show.time(it.d.lastSeen) %>.</p>
<% } %>
<section>
<h2>Identity</h2>
<table class="kv">
  <tr><th scope="row">Site</th><td><%= it.d.site %></td></tr>
  <tr><th scope="row">IP</th><td><%= it.d.ip %></td></tr>
  <tr><th scope="row">MAC</th><td><%= it.d.mac || '—' %></td></tr>
  <tr><th scope="row">Host names</th><td><%= it.d.hostnames.join(', ') || '—' %></td></tr>
  <tr><th scope="row">Manufacturer (as produced)</th><td title="<%= it.d.manufacturer || '' %>"><%= it.d.manufacturer ? it.show.maker(it.d.manufacturer) : 'unknown' %></td></tr>
  <tr><th scope="row">Brand (badge)</th><td title="<%= it.d.brand || '' %>"><%= it.d.brand ? it.show.brand(it.d.brand) : '—' %></td></tr>
  <tr><th scope="row">Type</th><td><%= it.d.deviceType || '—' %></td></tr>
  <tr><th scope="row">Model</th><td><%= it.d.model || '—' %></td></tr>
  <tr><th scope="row">Firmware</th><td><%= it.d.firmware || '—' %></td></tr>
  <tr><th scope="row">Serial</th><td><%= it.d.serial || '—' %></td></tr>
  <tr><th scope="row">Confidence</th><td><%= it.d.confidence.toFixed(2) %></td></tr>
  <tr><th scope="row">Rules version</th><td><%= it.d.rulesVersion %></td></tr>
  <tr><th scope="row">First seen</th><td><time datetime="<%= it.d.firstSeen %>" title="<%= it.d.firstSeen %>"><%= it.show.time(it.d.firstSeen) %></time></td></tr>
  <tr><th scope="row">Last seen</th><td><time datetime="<%= it.d.lastSeen %>" title="<%= it.d.lastSeen %>"><%= it.show.time(it.d.lastSeen) %></time></td></tr>
</table>
</section>
<section>
<h2>Where it is</h2>
<% if (it.d.location) { var l = it.d.location; %>
<table class="facts location">
  <tr><th scope="row">Switch</th><td><%= l.switchName ? l.switchName + ' (' + l.switch + ')' : l.switch %></td></tr>
  <tr><th scope="row">Port</th><td><%= l.port %><% if (l.portAlias) { %> — <%= l.portAlias %><% } %></td></tr>
  <tr><th scope="row">VLAN</th><td><%= l.vlan === null ? 'not VLAN-aware' : l.vlan %></td></tr>
</table>
<% } else { %><p class="empty">No switch reported this device's port (configure switch reading: probes.switch).</p><% } %>
</section>
<section>
<h2>What was seen</h2>
<% if (it.d.seen.ports.length === 0 && it.d.seen.items.length === 0) { %><p class="empty">Nothing beyond its address was recorded.</p><% } %>
<% if (it.d.seen.ports.length > 0) { %><p>Open TCP ports: <%= it.d.seen.ports.join(', ') %></p><% } %>
<% if (it.d.seen.items.length > 0) { %>
<table class="facts seen">
<% it.d.seen.items.forEach(function (x) { %>
  <tr><th scope="row"><%= x.label %><% if (x.port !== undefined) { %> (port <%= x.port %>)<% } %></th><td><pre class="value"><%= x.value %></pre></td></tr>
<% }) %>
</table>
<% } %>
</section>
<section>
<h2>Rules that apply</h2>
<% if (it.d.findings.length === 0) { %><p class="empty">No rule applies to this identity.</p><% } %>
<table class="findings">
<% it.d.findings.forEach(function (f) { %>
  <tr>
    <th scope="row"><%= f.rule %></th>
    <td><strong><%= f.title %></strong><br>
      <span class="citation"><%= f.citation %></span> · effective <%= f.effective %><% if (f.status) { %> · <%= f.status %><% } %><br>
      <span class="basis">Basis: <%= f.basis %></span></td>
  </tr>
<% }) %>
</table>
</section>
<section>
<h2>Firmware risk</h2>
<p class="meta">From the firmware string the device reported, compared with known-exploited advisories; nothing was sent to the device to test it. Separate from the verdict.</p>
<% if (it.risks.length === 0) { %><p class="empty">No advisory matches the reported firmware.</p><% } else { %>
<table class="risks">
<thead><tr><th scope="col">CVE</th><th scope="col">CISA KEV</th><th scope="col">Match</th><th scope="col">Vulnerability</th><th scope="col">Fixed in</th><th scope="col">Basis</th></tr></thead>
<tbody>
<% it.risks.forEach(function (r) { %>
  <tr><td><%= r.cve %></td><td><%= r.kev ? 'yes' : 'no' %></td><td><%= r.certainty %></td><td><%= r.title %></td><td><%= r.fixed %></td><td><%= r.basis %></td></tr>
<% }) %>
</tbody>
</table>
<% } %>
</section>
<section>
<h2>Evidence</h2>
<table class="evidence">
<thead><tr><th scope="col">Probe</th><th scope="col">Observation</th><th scope="col">Port</th><th scope="col">Value as sent by the device</th><th scope="col">Signature</th></tr></thead>
<tbody>
<% it.d.evidence.forEach(function (e) { %>
  <tr>
    <td><%= e.probe %></td>
    <td><code><%= e.key %></code><% if (e.path) { %> <code><%= e.path %></code><% } %></td>
    <td><%= e.port === undefined ? '' : e.port %></td>
    <td><pre class="value"><%= e.value %></pre></td>
    <td><%= e.signature || '' %></td>
  </tr>
<% }) %>
</tbody>
</table>
</section>
<section>
<h2>Remediation</h2>
<% if (!it.remediable) { %>
<p class="empty">Remediation applies to covered and suspect devices; this one is <%= it.d.verdict %>.</p>
<% } else { %>
<p>Now: <span class="state s-<%= it.d.state %>"><%= it.d.state %></span>
<% if (it.d.state === 'exempted') { %> — approved by <%= it.d.approver %>, until <%= it.show.time(it.d.expiresAt) %>: <%= it.d.reason %><% } %></p>
<% if (it.canRemediate) { %>
<form class="remediation" method="post" action="/devices/<%= it.d.id %>/remediation">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <label>State
    <select name="state">
    <% it.states.filter(function (s) { return it.canExempt || s !== 'exempted'; }).forEach(function (s) { %><option value="<%= s %>"<%= s === it.d.state ? ' selected' : '' %>><%= s %></option><% }) %>
    </select>
  </label>
  <label>Reason <input name="reason" maxlength="1024" value="<%= it.d.reason || '' %>"></label>
  <% if (it.canExempt) { %>
  <fieldset class="exemption">
    <legend>Exemption (state "exempted")</legend>
    <label>Approver <input name="approver" maxlength="128" value="<%= it.d.approver || '' %>"></label>
    <label>Expires <input name="expires" type="date" value="<%= it.d.expiresAt ? it.d.expiresAt.slice(0, 10) : '' %>"></label>
  </fieldset>
  <% } %>
  <button type="submit">Record</button>
</form>
<% if (!it.canExempt) { %><p class="meta">An exemption is granted by a user with the approver role at <%= it.d.site %>.</p><% } %>
<% } else { %>
<p class="meta">Recording remediation needs the operator or approver role at <%= it.d.site %>.</p>
<% } %>
<% } %>
<% if (it.error) { %><p class="error" role="alert"><%= it.error %></p><% } %>
<% if (it.d.remediationLog.length > 0) { %>
<table class="log">
<thead><tr><th scope="col">When</th><th scope="col">By</th><th scope="col">State</th><th scope="col">Approver</th><th scope="col">Reason</th><th scope="col">Expires</th></tr></thead>
<tbody>
<% it.d.remediationLog.forEach(function (r) { %>
<tr><td><time datetime="<%= r.at %>" title="<%= r.at %>"><%= it.show.time(r.at) %></time></td><td><%= r.by %></td><td><%= r.state %></td><td><%= r.approver || '' %></td><td><%= r.reason || '' %></td><td><%= r.expiresAt || '' %></td></tr>
<% }) %>
</tbody>
</table>
<% } %>
</section>
<section>
<h2>History</h2>
<table class="history">
<thead><tr><th scope="col">Seen</th><th scope="col">IP</th><th scope="col">MAC</th><th scope="col">Verdict</th><th scope="col">Identity</th></tr></thead>
<tbody>
<% it.d.sightings.forEach(function (s) { %>
<tr><td><time datetime="<%= s.seenAt %>" title="<%= s.seenAt %>"><%= it.show.time(s.seenAt) %></time></td><td><%= s.ip %></td><td><%= s.mac || '' %></td><td><%= s.verdict %></td>
<td><%= s.identity.manufacturer || '?' %> <%= s.identity.model || '' %> <%= s.identity.firmware || '' %></td></tr>
<% }) %>
</tbody>
</table>
<% if (it.d.verdictChanges.length > 0) { %>
<h3>Verdict changes</h3>
<ul class="changes">
<% it.d.verdictChanges.forEach(function (c) { %><li><time datetime="<%= c.at %>" title="<%= c.at %>"><%= it.show.time(c.at) %></time>: <%= c.from || 'first seen' %> → <%= c.to %></li><% }) %>
</ul>
<% } %>
</section>
`;
