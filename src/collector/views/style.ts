// Served as /static/app.css: the CSP allows styles from this origin only, never inline.
export const stylesheet = `
:root { --covered: #b3261e; --suspect: #b26a00; --not-covered: #2e7d32; --unknown: #5f6368; --ink: #1d1d1f; --line: #d9d9de; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #1f2a37; color: #fff; }
header.top a { color: #fff; text-decoration: none; }
header.top nav { display: flex; gap: 16px; flex: 1; }
.brand { font-weight: 700; font-size: 16px; }
.logout { display: flex; gap: 8px; align-items: center; }
main { padding: 20px 24px; max-width: 1400px; }
h1 { font-size: 20px; margin: 8px 0 16px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
table { border-collapse: collapse; background: #fff; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.devices, table.evidence, table.history, table.log, table.findings { width: 100%; }
.sites { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; }
.site { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
.site h2 { margin-top: 0; }
.meta, .empty { color: #555; }
.counts td { font-size: 22px; font-weight: 600; }
.verdict, .state { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--unknown); }
.v-covered { color: var(--covered); } .v-suspect { color: var(--suspect); } .v-not-covered { color: var(--not-covered); } .v-unknown { color: var(--unknown); }
.verdict.v-covered { background: var(--covered); color: #fff; } .verdict.v-suspect { background: var(--suspect); color: #fff; }
.verdict.v-not-covered { background: var(--not-covered); color: #fff; } .verdict.v-unknown { background: var(--unknown); color: #fff; }
.state { background: #e8eaed; color: var(--ink); } .s-open { background: #fde7e4; } .s-exempted { background: #fff4d6; }
.s-removed, .s-replaced { background: #e3f2e5; }
.bar-covered { fill: var(--covered); } .bar-suspect { fill: var(--suspect); } .bar-not-covered { fill: var(--not-covered); } .bar-unknown { fill: #b0b4ba; }
.trend { margin: 8px 0 0; } .trend figcaption { font-size: 12px; color: #555; }
form.filters, form.remediation { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; margin-bottom: 12px; }
label { display: flex; flex-direction: column; font-size: 12px; color: #444; gap: 2px; }
input, select, button { font: inherit; padding: 4px 6px; }
button { cursor: pointer; }
pre.value { margin: 0; white-space: pre-wrap; word-break: break-all; max-width: 60ch; font-size: 12px; }
.error { color: var(--covered); font-weight: 600; }
.login { max-width: 320px; margin: 60px auto; background: #fff; padding: 20px; border: 1px solid var(--line); border-radius: 6px; }
.login form { display: flex; flex-direction: column; gap: 12px; }
.login fieldset.method { border: 1px solid var(--line); display: flex; flex-direction: column; gap: 4px; }
.login label.choice { flex-direction: row; gap: 6px; font-size: 14px; } a.sso { display: block; text-align: center; padding: 6px; border: 1px solid #1f2a37; border-radius: 4px; }
.pages { margin-top: 12px; display: flex; gap: 16px; }
.citation { color: #333; } .basis { color: #555; }
.coverage h3 { font-size: 14px; margin: 12px 0 4px; } .coverage table { width: 100%; font-size: 12px; }
.blind-spots { margin: 6px 0; padding-left: 18px; font-size: 12px; } .blind-spots .kind { color: var(--suspect); }
table.facts th { font-weight: 600; padding-right: 16px; } th a { color: inherit; } time { white-space: nowrap; }
fieldset.exemption { display: flex; gap: 12px; align-items: end; border: 1px solid var(--line); margin: 0; }
form.grant { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; } form.inline { display: inline; margin-left: 6px; }
ul.grants { margin: 0; padding-left: 16px; } table.users, table.tokens { width: 100%; }
`;
