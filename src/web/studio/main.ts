// The studio page: holds the state (model, samples, options, profile, choices, result), renders
// the sections (views.ts) and drives the worker (client.ts): inspect on open, profile, quantize
// with a progress bar and a cancel button, and the downloads. Says before a run whether it fits
// in the tab (memory.ts). Nothing leaves the tab: files are read locally, results are blobs.
import { StudioClient } from './client.js';
import { h, show } from './dom.js';
import { estimateMemory, type MemoryEstimate } from './memory.js';
import { profilePanel, resultPanel } from './panels.js';
import type {
  GroupFacts,
  ModelFacts,
  SampleFiles,
  StudioOptions,
  TensorChoice,
} from './protocol.js';
import { imageOptions, sampleFiles, sampleShape } from './samples.js';
import { memoryLine, modelCard, optionsCard, samplesCard } from './views.js';

interface State {
  model: { name: string; bytes: ArrayBuffer; facts: ModelFacts } | undefined;
  files: File[];
  samples: SampleFiles | undefined;
  imageFields: Record<string, string>;
  options: StudioOptions;
  methods: readonly string[];
  profile:
    | {
        html: string;
        json: string;
        groups: readonly GroupFacts[];
        auto: { config: string; reason: string };
        ms: number;
        samples: SampleFiles;
        id: number;
      }
    | undefined;
  choices: Record<string, TensorChoice>;
  result:
    { model: ArrayBuffer; json: string; ms: { calibrate: number; total: number } } | undefined;
  running: { id: number; kind: 'profile' | 'quantize' } | undefined;
  error: string | undefined;
  tryAnyway: boolean;
}

const state: State = {
  model: undefined,
  samples: undefined,
  profile: undefined,
  result: undefined,
  running: undefined,
  error: undefined,
  tryAnyway: false,
  files: [],
  imageFields: {},
  options: {
    method: 'percentile',
    activations: 'asymmetric',
    perTensor: false,
    biasCorrection: false,
  },
  methods: ['percentile'],
  choices: {},
};
const client = new StudioClient(1);
const app = document.getElementById('app')!;
const progress = h('progress', { max: '1', 'data-testid': 'progress' });
const stage = h('span', { class: 'stage', 'data-testid': 'stage' });

function baseName(name: string): string {
  return name.replace(/\.onnx$/i, '');
}

function estimate(): MemoryEstimate | undefined {
  if (state.model === undefined || state.samples === undefined) return undefined;
  const shape = sampleShape(state.samples, state.model.facts.inputs[0]);
  const limits = {
    ...((performance as { memory?: { jsHeapSizeLimit: number } }).memory === undefined
      ? {}
      : {
          jsHeapBytes: (performance as unknown as { memory: { jsHeapSizeLimit: number } }).memory
            .jsHeapSizeLimit,
        }),
    ...((navigator as { deviceMemory?: number }).deviceMemory === undefined
      ? {}
      : { deviceGiB: (navigator as unknown as { deviceMemory: number }).deviceMemory }),
  };
  return estimateMemory(
    {
      modelBytes: state.model.bytes.byteLength,
      nodes: state.model.facts.nodes,
      ...shape,
      batchSize: 1,
    },
    limits,
  );
}

async function openModel(files: File[]): Promise<void> {
  const file = files.find((f) => f.name.toLowerCase().endsWith('.onnx')) ?? files[0];
  if (file === undefined) return;
  const bytes = await file.arrayBuffer();
  const facts = await client.run({ type: 'inspect', model: bytes }).done;
  if (facts.type !== 'inspected') {
    state.error = `${file.name}: ${facts.type === 'failed' ? facts.message : 'unreadable'}`;
  } else {
    state.model = { name: file.name, bytes, facts: facts.facts };
    state.error = undefined;
  }
  state.profile = undefined;
  state.result = undefined;
  state.choices = {};
  render();
}

function chooseSamples(files: File[]): void {
  state.files = files;
  readSamples();
  state.profile = undefined;
  state.choices = {};
  render();
}

function readSamples(): void {
  if (state.files.length === 0) return;
  try {
    state.samples = sampleFiles(state.files, imageOptions(state.imageFields));
    state.error = undefined;
  } catch (error) {
    state.samples = undefined;
    state.error = (error as Error).message;
  }
}

async function start(kind: 'profile' | 'quantize'): Promise<void> {
  const { model, samples } = state;
  if (model === undefined || samples === undefined || state.running !== undefined) return;
  const applyChoices = kind === 'quantize' && state.profile?.samples === samples;
  const options: StudioOptions = applyChoices
    ? { ...state.options, choices: state.choices, profileId: state.profile!.id }
    : state.options;
  const job = client.run(
    { type: kind, model: model.bytes, name: model.name, samples, options },
    (s, done, total) => {
      stage.textContent = `${s}: ${done}${total === null ? '' : ` of ${total}`}`;
      if (total === null) progress.removeAttribute('value');
      else progress.value = total === 0 ? 1 : done / total;
    },
  );
  state.running = { id: job.id, kind };
  state.error = undefined;
  if (kind === 'quantize') state.result = undefined;
  progress.value = 0;
  stage.textContent = kind === 'profile' ? 'profiling…' : 'quantizing…';
  render();
  const reply = await job.done;
  state.running = undefined;
  if (reply.type === 'profiled') {
    state.profile = {
      id: reply.id,
      html: reply.html,
      json: reply.json,
      groups: reply.groups,
      auto: reply.auto,
      ms: reply.ms,
      samples,
    };
    state.choices = {};
    stage.textContent = `profiled in ${(reply.ms / 1000).toFixed(1)} s`;
  } else if (reply.type === 'quantized') {
    state.result = { model: reply.model, json: reply.json, ms: reply.ms };
    stage.textContent = `quantized in ${(reply.ms.total / 1000).toFixed(1)} s`;
  } else if (reply.type === 'failed') {
    state.error = reply.code === 'cancelled' ? 'Cancelled.' : `${reply.message} [${reply.code}]`;
    stage.textContent = reply.code === 'cancelled' ? 'cancelled' : 'failed';
  }
  render();
}

function runBar(fit: MemoryEstimate | undefined): HTMLElement {
  // A run estimated not to fit starts only once the user says to try anyway.
  const refused = fit?.verdict === 'too-large' && !state.tryAnyway;
  const ready =
    state.model !== undefined &&
    state.samples !== undefined &&
    state.running === undefined &&
    !refused;
  const tryAnyway =
    fit?.verdict !== 'too-large'
      ? null
      : h(
          'label',
          { 'data-testid': 'try-anyway' },
          h('input', {
            type: 'checkbox',
            checked: state.tryAnyway,
            onchange: () => {
              state.tryAnyway = !state.tryAnyway;
              render();
            },
          }),
          ' try anyway (the tab may run out of memory and stop)',
        );
  const profileButton = h(
    'button',
    { 'data-testid': 'profile', disabled: !ready, onclick: () => void start('profile') },
    'Profile',
  );
  const quantizeButton = h(
    'button',
    {
      class: 'primary',
      'data-testid': 'quantize',
      disabled: !ready,
      onclick: () => void start('quantize'),
    },
    state.profile === undefined ? 'Quantize' : 'Quantize with these choices',
  );
  const cancel = h(
    'button',
    {
      'data-testid': 'cancel',
      disabled: state.running === undefined,
      onclick: () => state.running && client.cancel(state.running.id),
    },
    'Cancel',
  );
  return h(
    'section',
    { class: 'card run' },
    h('h2', {}, '4. Run'),
    memoryLine(fit),
    h('div', { class: 'buttons' }, profileButton, quantizeButton, cancel, tryAnyway),
    h('div', { class: 'bar' }, progress, stage),
    state.error === undefined
      ? null
      : h('p', { class: 'error', 'data-testid': 'error' }, state.error),
  );
}

function profileSection(): HTMLElement | null {
  const p = state.profile;
  if (p === undefined || state.model === undefined) return null;
  return profilePanel(p, baseName(state.model.name), state.choices, (choices) => {
    Object.assign(state.choices, choices);
    render();
  });
}

function resultSection(): HTMLElement | null {
  const r = state.result;
  if (r === undefined || state.model === undefined) return null;
  return resultPanel(r, baseName(state.model.name), state.profile?.html);
}

function render(): void {
  const fit = estimate();
  show(
    app,
    modelCard(
      (files) => void openModel(files),
      state.model && {
        name: state.model.name,
        size: state.model.bytes.byteLength,
        facts: state.model.facts,
      },
    ),
    samplesCard(
      chooseSamples,
      state.imageFields,
      (name, value) => {
        state.imageFields[name] = value;
        readSamples();
        render();
      },
      state.samples,
    ),
    optionsCard(state.options, state.methods, (options) => {
      state.options = options;
      render();
    }),
    runBar(fit),
    ...[profileSection(), resultSection()].filter((s): s is HTMLElement => s !== null),
  );
}

render();
void client.ready.then(({ ortVersion, methods }) => {
  state.methods = methods;
  document.body.dataset.ready = 'true';
  document.body.dataset.ort = ortVersion;
  render();
});
