// The studio's two result panels: the profile (downloads, what --activations auto applies, the
// per-tensor choices table and report/'s HTML page) and the quantized model (its summary and
// the downloads of the model, the JSON report and the HTML report). Built from data and
// callbacks; the state is main.ts's. Not the forms above them (views.ts).
import { download, h } from './dom.js';
import { formatBytes } from './memory.js';
import type { GroupFacts, TensorChoice } from './protocol.js';
import { choicesTable, reportView } from './views.js';

/** A finished profile, as the page keeps it. */
export interface ProfileView {
  readonly html: string;
  readonly json: string;
  readonly groups: readonly GroupFacts[];
  readonly auto: { readonly config: string; readonly reason: string };
}

/** A quantized model, as the page keeps it. */
export interface ResultView {
  readonly model: ArrayBuffer;
  readonly json: string;
  readonly ms: { readonly calibrate: number; readonly total: number };
}

/** The fields of the JSON report the result panel prints. */
interface ReportFields {
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  readonly samples: number;
  readonly plan: { readonly nodes: number; readonly integer: number; readonly float: number };
}

function button(testid: string, label: string, onclick: () => void, primary = false): HTMLElement {
  return h(
    'button',
    { 'data-testid': testid, class: primary ? 'primary' : undefined, onclick },
    label,
  );
}

/** What --activations auto applies; when it is one scheme for all, a button sets every choice. */
function autoNote(
  auto: ProfileView['auto'],
  groups: readonly GroupFacts[],
  onChoices: (choices: Record<string, TensorChoice>) => void,
): HTMLElement {
  const uniform = /^all (asymmetric|symmetric) /.exec(auto.config)?.[1] as
    'asymmetric' | 'symmetric' | undefined;
  return h(
    'p',
    { class: 'note', 'data-testid': 'auto' },
    h('b', {}, 'Advice: '),
    auto.reason,
    uniform === undefined
      ? null
      : button('apply-auto', `Set every group to ${uniform}`, () =>
          onChoices(Object.fromEntries(groups.map((g) => [g.id, uniform]))),
        ),
  );
}

/** The profile panel; `onChoices` gets the choices that changed. */
export function profilePanel(
  p: ProfileView,
  name: string,
  choices: Readonly<Record<string, TensorChoice>>,
  onChoices: (changed: Record<string, TensorChoice>) => void,
): HTMLElement {
  return h(
    'section',
    { class: 'card', 'data-testid': 'profile-view' },
    h('h2', {}, '5. Profile and per-tensor choices'),
    h(
      'div',
      { class: 'buttons' },
      button('download-profile-html', 'Download HTML report', () =>
        download(p.html, `${name}.profile.html`, 'text/html'),
      ),
      button('download-profile-json', 'Download profile JSON', () =>
        download(p.json, `${name}.profile.json`, 'application/json'),
      ),
    ),
    autoNote(p.auto, p.groups, onChoices),
    choicesTable(p.groups, choices, (id, choice) => onChoices({ [id]: choice })),
    reportView(p.html),
  );
}

/** The quantized model's panel; the HTML report download needs a profile's page. */
export function resultPanel(
  r: ResultView,
  name: string,
  profileHtml: string | undefined,
): HTMLElement {
  const report = JSON.parse(r.json) as ReportFields;
  const calibration =
    r.ms.calibrate === 0
      ? `ranges from the profile's statistics (${report.samples} samples)`
      : `calibrated on ${report.samples} samples in ${(r.ms.calibrate / 1000).toFixed(1)} s`;
  return h(
    'section',
    {
      class: 'card result',
      'data-testid': 'result',
      'data-calibrate-ms': String(r.ms.calibrate),
      'data-total-ms': String(r.ms.total),
    },
    h('h2', {}, '6. Quantized model'),
    h(
      'p',
      {},
      `${report.plan.integer} of ${report.plan.nodes} nodes run on integers or fold away, ` +
        `${report.plan.float} stay float; ${formatBytes(report.sizeBefore)} → ` +
        `${formatBytes(report.sizeAfter)}; ${calibration}, ${(r.ms.total / 1000).toFixed(1)} s in all.`,
    ),
    h(
      'div',
      { class: 'buttons' },
      button(
        'download-model',
        'Download model',
        () => download(r.model, `${name}.int8.onnx`, 'application/octet-stream'),
        true,
      ),
      button('download-json', 'Download report JSON', () =>
        download(r.json, `${name}.int8.json`, 'application/json'),
      ),
      profileHtml === undefined
        ? h('span', { class: 'hint' }, 'Profile first for the HTML report.')
        : button('download-html', 'Download HTML report', () =>
            download(profileHtml, `${name}.profile.html`, 'text/html'),
          ),
    ),
  );
}
