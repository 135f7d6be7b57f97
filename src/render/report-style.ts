/** The report's stylesheet, inlined in every report (the web UI uses it too). */
export const REPORT_CSS = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1180px; padding: 0 16px 40px; color: #1a1a1a; }
h1 { font-size: 20px; margin: 0 0 6px; } h2 { font-size: 17px; margin: 28px 0 8px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.verdict { padding: 14px 18px; margin: 16px 0; border-radius: 6px; }
.verdict.leak { background: #fdecea; border-left: 6px solid #c0392b; }
.verdict.no-leak { background: #eaf7ee; border-left: 6px solid #27ae60; }
.note { color: #555; margin: 4px 0; }
#meta dl, .meta dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
#meta dt, .meta dt { color: #666; } #meta dd, .meta dd { margin: 0; font-family: "DejaVu Sans Mono", monospace; font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e3e3e3; text-align: right; }
th:last-child, td:last-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
tbody tr:hover { background: #f6f8fa; }
.badge { display: inline-block; padding: 1px 6px; border-radius: 3px; font-size: 12px; background: #ddd; }
.badge.leak { background: #c0392b; color: #fff; } .badge.leak-freed-at-exit { background: #e67e22; color: #fff; }
.badge.unclear { background: #f1c40f; } .badge.bounded { background: #3498db; color: #fff; } .badge.temporary { background: #bdc3c7; }
.group { border-top: 1px solid #e3e3e3; padding-top: 4px; }
.backtrace { background: #f6f8fa; padding: 8px 10px; font-size: 12px; overflow-x: auto; }
.evidence { font-size: 13px; color: #444; }
svg { max-width: 100%; height: auto; }
.flame-view { display: none; }
.flame-pick-leaks:checked ~ .flame-leaks, .flame-pick-all:checked ~ .flame-all { display: block; }
.flame-label { margin: 0 14px 0 4px; cursor: pointer; }
footer { margin-top: 30px; color: #888; font-size: 12px; }
`;
