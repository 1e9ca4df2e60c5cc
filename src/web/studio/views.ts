// The studio page's sections as DOM: the model card, the samples card with the CLI's image
// fields, the options, the run bar (progress and cancel), the per-tensor choices table and the
// result with its downloads. Each function builds its section from data and callbacks; the
// state and the worker are main.ts's. The profile itself is report/'s HTML, in a shadow root.
import { dropZone, h, picker } from './dom.js';
import type { MemoryEstimate } from './memory.js';
import { formatBytes } from './memory.js';
import {
  canKeepFloat,
  type GroupFacts,
  type ModelFacts,
  type SampleFiles,
  type StudioOptions,
  type TensorChoice,
} from './protocol.js';

/** The model card: picker, drop zone and, once read, what the model declares. */
export function modelCard(
  onFiles: (files: File[]) => void,
  model: { name: string; size: number; facts: ModelFacts } | undefined,
): HTMLElement {
  const zone = h(
    'div',
    { class: 'drop', 'data-testid': 'model-drop' },
    h('p', {}, 'Drop an ONNX model here, or '),
    picker('Open model…', { accept: '.onnx', testid: 'model-input' }, onFiles),
  );
  dropZone(zone, onFiles);
  const facts =
    model === undefined
      ? null
      : h(
          'div',
          { class: 'facts', 'data-testid': 'model-facts' },
          h(
            'p',
            {},
            h('b', {}, model.name),
            ` — ${formatBytes(model.size)}, ${model.facts.nodes} nodes, opset ${model.facts.opset}`,
          ),
          h(
            'table',
            {},
            h('tr', {}, h('th', {}, 'input'), h('th', {}, 'type'), h('th', {}, 'shape')),
            ...model.facts.inputs.map((i) =>
              h(
                'tr',
                {},
                h('td', {}, i.name),
                h('td', {}, i.type),
                h(
                  'td',
                  {},
                  i.dims === null ? 'any' : `[${i.dims.map((d) => d ?? '?').join(', ')}]`,
                ),
              ),
            ),
          ),
        );
  return h('section', { class: 'card' }, h('h2', {}, '1. Model'), zone, facts);
}

/** The image fields, named as the CLI's flags (--size, --mean, --std, --scale, --layout, --channels). */
const IMAGE_FIELDS: readonly {
  name: string;
  label: string;
  hint: string;
  choices?: readonly string[];
}[] = [
  { name: 'size', label: 'size HxW', hint: 'model input size' },
  { name: 'mean', label: 'mean a,b,c', hint: '0' },
  { name: 'std', label: 'std a,b,c', hint: '1' },
  { name: 'scale', label: 'scale', hint: '1/255' },
  { name: 'layout', label: 'layout', hint: 'guessed', choices: ['', 'NCHW', 'NHWC'] },
  { name: 'channels', label: 'channels', hint: 'RGB', choices: ['', 'RGB', 'BGR'] },
];

/** The samples card: files or a folder (picker or drop), the image fields and what was chosen. */
export function samplesCard(
  onFiles: (files: File[]) => void,
  fields: Record<string, string>,
  onField: (name: string, value: string) => void,
  samples: SampleFiles | undefined,
): HTMLElement {
  const zone = h(
    'div',
    { class: 'drop', 'data-testid': 'samples-drop' },
    h(
      'p',
      {},
      'Drop calibration samples here: a folder of images, .npy or .npz files, or .json/.jsonl samples; or ',
    ),
    picker(
      'Choose files…',
      { multiple: true, accept: '.npy,.npz,.json,.jsonl,image/*', testid: 'samples-input' },
      onFiles,
    ),
    ' ',
    picker('Choose a folder…', { folder: true, testid: 'samples-folder' }, onFiles),
  );
  dropZone(zone, onFiles);
  const imageFields = h(
    'fieldset',
    { class: 'image-fields' },
    h(
      'legend',
      {},
      'Image preprocessing (as zeropoint quantize --size --mean --std --scale --layout --channels)',
    ),
    ...IMAGE_FIELDS.map((f) => {
      const control =
        f.choices === undefined
          ? h('input', {
              name: f.name,
              placeholder: f.hint,
              value: fields[f.name] ?? '',
              'data-testid': `image-${f.name}`,
            })
          : h(
              'select',
              { name: f.name, 'data-testid': `image-${f.name}` },
              ...f.choices.map((c) =>
                h(
                  'option',
                  { value: c, selected: (fields[f.name] ?? '') === c },
                  c === '' ? f.hint : c,
                ),
              ),
            );
      control.addEventListener('change', () => onField(f.name, control.value));
      return h('label', {}, f.label, control);
    }),
  );
  const chosen =
    samples === undefined
      ? null
      : h(
          'p',
          { 'data-testid': 'samples-summary' },
          `${samples.files.length} ${samples.kind === 'images' ? 'image' : samples.kind} file(s): ${samples.files
            .slice(0, 3)
            .map((f) => f.name)
            .join(', ')}${samples.files.length > 3 ? ', …' : ''}`,
        );
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, '2. Calibration samples'),
    zone,
    chosen,
    imageFields,
  );
}

/** The memory line: what the run will need against what the tab has, said before it starts. */
export function memoryLine(estimate: MemoryEstimate | undefined): HTMLElement {
  if (estimate === undefined)
    return h(
      'p',
      { class: 'memory', 'data-testid': 'memory' },
      'Choose a model and samples to see whether the run fits in this tab.',
    );
  return h(
    'details',
    { class: `memory ${estimate.verdict}`, 'data-testid': 'memory' },
    h('summary', {}, estimate.message),
    h('ul', {}, ...estimate.parts.map((p) => h('li', {}, `${formatBytes(p.bytes)}: ${p.what}`))),
  );
}

/** The options a run takes, the CLI's defaults preselected. */
export function optionsCard(
  options: StudioOptions,
  methods: readonly string[],
  onChange: (o: StudioOptions) => void,
): HTMLElement {
  const method = h(
    'select',
    { 'data-testid': 'method' },
    ...methods.map((m) => h('option', { value: m, selected: m === options.method }, m)),
  );
  const modes = ['asymmetric', 'symmetric', 'asymmetric-int8', 'int16'] as const;
  const activations = h(
    'select',
    { 'data-testid': 'activations' },
    ...modes.map((m) => h('option', { value: m, selected: m === options.activations }, m)),
  );
  const perTensor = h('input', { type: 'checkbox', checked: options.perTensor });
  const bias = h('input', { type: 'checkbox', checked: options.biasCorrection });
  const update = (): void =>
    onChange({
      ...options,
      method: method.value,
      activations: activations.value as StudioOptions['activations'],
      perTensor: perTensor.checked,
      biasCorrection: bias.checked,
    });
  for (const control of [method, activations, perTensor, bias])
    control.addEventListener('change', update);
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, '3. Options'),
    h(
      'div',
      { class: 'options' },
      h('label', {}, 'calibration method ', method),
      h('label', {}, 'activations ', activations),
      h('label', {}, perTensor, ' one scale per weight tensor'),
      h('label', {}, bias, ' bias correction'),
    ),
  );
}

/** The choices table: each activation group's recommendation, reason, SQNRs and the user's pick. */
export function choicesTable(
  groups: readonly GroupFacts[],
  choices: Readonly<Record<string, TensorChoice>>,
  onChoice: (id: string, choice: TensorChoice) => void,
): HTMLElement {
  const db = (x: number | null): string => (x === null ? 'exact' : `${x.toFixed(1)} dB`);
  const rows = groups.map((g) => {
    const options: TensorChoice[] = [
      'recommended',
      'asymmetric',
      'symmetric',
      ...(canKeepFloat(g) ? (['float'] as const) : []),
    ];
    const select = h(
      'select',
      { 'data-group': g.id },
      ...options.map((o) =>
        h(
          'option',
          { value: o, selected: (choices[g.id] ?? 'recommended') === o },
          o === 'recommended'
            ? `recommended (${g.recommended})`
            : o === 'float'
              ? 'layer float'
              : o,
        ),
      ),
    );
    select.addEventListener('change', () => onChoice(g.id, select.value as TensorChoice));
    return h(
      'tr',
      { class: (choices[g.id] ?? 'recommended') === 'recommended' ? '' : 'overridden' },
      h('td', {}, h('code', {}, g.id)),
      h('td', {}, g.node),
      h('td', {}, db(g.sqnrDb.asymmetric)),
      h('td', {}, db(g.sqnrDb.symmetric)),
      h('td', {}, select),
      h('td', { class: 'reason' }, g.reason),
    );
  });
  const overridden = Object.values(choices).filter((c) => c !== 'recommended').length;
  return h(
    'div',
    { class: 'choices', 'data-testid': 'choices' },
    h(
      'p',
      {},
      `${groups.length} activation groups; ${overridden === 0 ? 'every recommendation accepted' : `${overridden} overridden`}. Quantize applies these choices.`,
    ),
    h(
      'table',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'activation'),
        h('th', {}, 'produced by'),
        h('th', {}, 'asymmetric'),
        h('th', {}, 'symmetric'),
        h('th', {}, 'choice'),
        h('th', {}, 'why'),
      ),
      ...rows,
    ),
  );
}

/**
 * The profile's HTML report (report/'s self-contained page: inline CSS and SVG, no script) shown
 * in a shadow root, so its styles stay inside it: the same page the HTML download holds.
 */
export function reportView(html: string): HTMLElement {
  const host = h('div', { class: 'report', 'data-testid': 'report-view' });
  const root = host.attachShadow({ mode: 'open' });
  const page = new DOMParser().parseFromString(html, 'text/html');
  const frame = h('style', {}, ':host{display:block}.page{padding:0 12px}');
  const body = h('div', { class: 'page' }, ...Array.from(page.body.childNodes));
  root.append(frame, ...Array.from(page.head.querySelectorAll('style')), body);
  return host;
}
