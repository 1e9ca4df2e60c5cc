// The profile as one self-contained HTML page: inline CSS and inline SVG, no script and no
// network, so it opens anywhere from a file. Order: what was measured and on what hardware;
// the decision table a person scans in a minute; whole-model comparisons; the sensitivity
// ranking; then every activation and weight in detail. Not the data (advise/) nor the file (cli/).
import type { ModelProfile } from '../advise/index.js';
import { RANGE_GUARD_DB } from '../observers/index.js';
import { sensitivityChart } from './sensitivity-chart.js';
import { summarize } from './summary.js';
import { dB, escapeXml } from './svg.js';
import { tensorSection } from './tensor-section.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#1d2733}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d5dbe2}
h3{font-size:15px;margin:6px 0;font-family:ui-monospace,monospace}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 8px;border-bottom:1px solid #e3e7ec;text-align:right;vertical-align:top}
td:first-child,th:first-child{text-align:left}th{background:#f3f5f8;font-weight:600}
table.decisions td:nth-child(-n+2),table.decisions th:nth-child(-n+2),table.decisions td:last-child,table.decisions th:last-child{text-align:left}table.decisions td:last-child{max-width:520px}
tr.chosen td{background:#fff6d6;font-weight:600}
.tensor{border:1px solid #dfe4ea;border-radius:6px;padding:8px 12px;margin:12px 0}
.reason{font-weight:600;margin:4px 0}.what,.expect{margin:2px 0;color:#45525f}
dl.stats{display:flex;flex-wrap:wrap;gap:2px 14px;margin:4px 0;font-size:13px}dl.stats dt{color:#6b7784}dl.stats dd{margin:0 0 0 4px;font-family:ui-monospace,monospace}
.note{background:#eef4fb;border-left:4px solid #2f6fb5;padding:6px 10px}.warn{background:#fdf1e6;border-left:4px solid #d9730d;padding:6px 10px}
.legend span{display:inline-block;margin-right:16px}.chart svg{max-width:100%;height:auto}
svg .tick,svg .label{fill:#45525f}svg .mark{fill:#222;font-weight:bold}
`;

/** Where the HTML came from, for its footer. */
export interface ReportMeta {
  readonly generator: string;
  readonly createdAt: string;
}

function sectionId(kind: string, index: number): string {
  return `${kind}-${index}`;
}

/** The whole report page for `profile`. */
export function htmlReport(profile: ModelProfile, meta: ReportMeta): string {
  const summary = summarize(profile);
  const activations = profile.tensors.filter((p) => p.kind === 'activation');
  const weights = profile.tensors.filter((p) => p.kind === 'weight');
  const schemes = Object.entries(summary.bySchemeCount)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const decisionRows = summary.decisions
    .map(
      (d) =>
        `<tr><td>${escapeXml(d.scheme)}</td><td>${escapeXml(d.rule)}</td><td>${d.count}</td>` +
        `<td>${dB(d.expectedDb)}</td><td>${d.measuredDb === null ? 'n/a' : dB(d.measuredDb)}</td>` +
        `<td><code>${escapeXml(d.example)}</code>: ${escapeXml(d.reason)}</td></tr>`,
    )
    .join('');
  const comparisons = profile.comparisons
    .map((c) => `<tr><td>${escapeXml(c.config)}</td><td>${dB(c.sqnrDb)}</td></tr>`)
    .join('');
  const agreement =
    summary.agreement === null
      ? '<p>No samples were held out, so no recommendation was measured.</p>'
      : `<p>Expected (calibration histogram) and measured (held-out samples) SQNR differ by a median ` +
        `of ${summary.agreement.medianDb.toFixed(2)} dB, at most ${summary.agreement.worstDb.toFixed(2)} dB ` +
        `(<code>${escapeXml(summary.agreement.worst)}</code>).</p>`;
  const guarded = Object.entries(summary.rangeGuard);
  const own = summary.rangeGuard[profile.method];
  const rangeGuard =
    guarded.length === 0
      ? ''
      : `<p><b>Range guard</b> (a clipped range whose expected SQNR is more than ` +
        `${RANGE_GUARD_DB} dB below min/max's falls back to min/max): ` +
        guarded.map(([m, ids]) => `${m} on ${ids.length}`).join(', ') +
        ` of ${summary.activations} activation groups` +
        (own === undefined || own.length === 0
          ? '.'
          : `; under ${profile.method}, the method used: ${own
              .slice(0, 5)
              .map((id) => `<code>${escapeXml(id)}</code>`)
              .join(', ')}${own.length > 5 ? ` and ${own.length - 5} more` : ''}.`) +
        `</p>`;
  const sens = profile.sensitivity;
  const sensitivity =
    sens === null
      ? '<p>Sensitivity was not measured (no held-out samples, or --no-sensitivity).</p>'
      : `<p>${sens.layers.length} layers, each quantized alone, run on ${sens.samples} held-out ` +
        `sample(s) in ${(sens.ms / 1000).toFixed(1)} s` +
        (sens.skipped.length > 0 ? `; ${sens.skipped.length} skipped (see the JSON)` : '') +
        `.</p><div class="chart">${sensitivityChart(sens.layers)}</div>`;
  const warnings =
    profile.warnings.length === 0
      ? ''
      : `<div class="warn"><b>Notes</b><ul>${profile.warnings
          .map((w) => `<li>${escapeXml(w)}</li>`)
          .join('')}</ul></div>`;
  const hw = profile.hardware;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>zeropoint profile: ${escapeXml(profile.model)}</title><style>${CSS}</style></head><body>
<h1>zeropoint profile: ${escapeXml(profile.model)}</h1>
<p>${summary.activations} activation groups and ${summary.weights} weights; calibration on ${profile.samples.calibration} sample(s), ${profile.samples.heldOut} held out; ranges by ${profile.method}.</p>
<p class="note"><b>Hardware:</b> ${escapeXml(hw.description)}.<br>${escapeXml(hw.storage.reason)}.</p>
<h2>Summary</h2>
<p><b>Activations:</b> ${escapeXml(schemes)}. <b>Weights:</b> symmetric int8${summary.perChannelGainDb === null ? '' : `, per channel (median ${dB(summary.perChannelGainDb)} dB over per tensor)`}.</p>
<table class="decisions"><thead><tr><th>scheme</th><th>why</th><th>groups</th><th>expected dB</th><th>measured dB</th><th>example</th></tr></thead><tbody>${decisionRows}</tbody></table>
${agreement}
${rangeGuard}
<h2>Whole model: output SQNR against fp32${profile.auto.basis === null ? '' : ` on ${profile.auto.basis.samples} ${profile.auto.basis.kind} sample(s)`}</h2>
${comparisons === '' ? '' : `<table><thead><tr><th>configuration</th><th>output SQNR dB</th></tr></thead><tbody>${comparisons}</tbody></table>`}
<p><b>--activations auto:</b> ${escapeXml(profile.auto.reason)}.</p>
<h2>Layer sensitivity</h2>
${sensitivity}
${warnings}
<h2>Activations</h2>
<p class="legend"><span style="color:#d9730d">&#9646; symmetric grid</span><span style="color:#2f6fb5">&#9646; asymmetric grid</span><span>letters: clipping thresholds by method (m minmax, p percentile, e entropy, s mse); dashed: the recommended range</span></p>
${activations.map((p, i) => tensorSection(p, sectionId('activation', i))).join('\n')}
<h2>Weights</h2>
<details><summary>${weights.length} weights (symmetric int8; click to show)</summary>
${weights.map((p, i) => tensorSection(p, sectionId('weight', i))).join('\n')}
</details>
<p style="color:#6b7784">${escapeXml(meta.generator)}, ${escapeXml(meta.createdAt)}. Timings (ms): ${escapeXml(JSON.stringify(profile.timings))}.</p>
</body></html>
`;
}
