// advise/: profiling tensors, the symmetric-versus-asymmetric decision flow weighed with the
// target hardware's kernel costs, layer sensitivity and the accuracy-driven search. Runs models
// through runtime/ and ptq/; reads and writes no files (cli/ does).
export * from './auto-plan.js';
export * from './candidates.js';
export * from './display-histogram.js';
export * from './held-out.js';
export * from './latency-placement.js';
export * from './mode-candidates.js';
export * from './measured-error.js';
export * from './profile-measure.js';
export * from './profile-model.js';
export * from './profile-types.js';
export * from './quantize-advised.js';
export * from './recommend.js';
export * from './search.js';
export * from './sensitivity.js';
export * from './storage-choice.js';
export * from './tensor-stats.js';
export * from './variants.js';
export * from './verdict.js';
export * from './op-payoff.js';
export * from './weight-formats.js';
export * from './quantize-verdict.js';
