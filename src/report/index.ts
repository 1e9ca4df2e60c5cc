// report/: profile data -> JSON and one self-contained HTML page with inline SVG charts, and a
// static quantization's report object. Pure
// string building: no file system, no network, no script in the page.
export * from './histogram-chart.js';
export * from './quantize-report.js';
export * from './html-report.js';
export * from './report-json.js';
export * from './sensitivity-chart.js';
export * from './summary.js';
export * from './svg.js';
export * from './tensor-section.js';
