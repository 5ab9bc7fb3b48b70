/** The viewer page's stylesheet (inline in the page, allowed by its hash in the CSP). */
export const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6570; --line: #d0d7de; --accent: #0969da; --bad: #cf222e; --good: #1a7f37; --sel: rgba(9,105,218,.12); }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9aa4ae; --line: #30363d; --accent: #4493f8; --bad: #ff7b72; --good: #3fb950; --sel: rgba(68,147,248,.18); } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 16px auto; max-width: 1400px; padding: 0 16px; }
header { display: flex; gap: 16px; align-items: baseline; }
h1 { font-size: 20px; margin: 0; } h1 a { color: inherit; text-decoration: none; } h2 { font-size: 17px; margin: 16px 0 8px; }
#status { color: var(--muted); margin: 0; }
a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
td { max-width: 320px; overflow-wrap: anywhere; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr { cursor: pointer; }
tbody tr:hover td, tbody tr.selected td, tbody tr:focus td { background: var(--sel); }
tbody tr:focus { outline: 2px solid var(--accent); outline-offset: -2px; }
td img.thumb { max-width: 96px; max-height: 72px; display: block; }
.wrong { color: var(--bad); } .right { color: var(--good); }
.controls { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center; margin: 8px 0; }
.controls input[type=number] { width: 5em; }
.pager { display: flex; gap: 12px; align-items: center; margin: 8px 0; }
.note { color: var(--muted); font-style: italic; }
.summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
.summary dt { color: var(--muted); }
.summary dd { margin: 0; }
pre { background: rgba(127,127,127,.1); padding: 8px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 2px 0 8px; max-height: 360px; overflow: auto; }
.zoom { overflow: auto; max-height: 80vh; border: 1px solid var(--line); margin: 6px 0; }
.zoom img { display: block; transform-origin: 0 0; max-width: 100%; }
.zoom.zoomed img { max-width: none; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.flip-r2w { color: var(--bad); } .flip-w2r { color: var(--good); }
`;
