// Layers of DESIGN.md, lowest first: a module may import its own layer or any layer below,
// never one above, and imports never cycle. `npm run check:layers` enforces both.
const LAYERS = [
  'core',
  'kernels',
  'observers',
  'onnx',
  'passes',
  'runtime',
  'ptq',
  'readers',
  'hardware',
  'qat',
  'advise',
  'report',
  'api',
  'cli|web',
];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.replace('|', '-')}`,
  comment: `${layer}/ may not import ${LAYERS.slice(i + 1).join(', ')}`,
  severity: 'error',
  from: { path: `^src/(${layer})/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-has-no-dependencies',
      comment: 'core/ runs in a browser with no dependency: no npm packages, no node: modules',
      severity: 'error',
      from: { path: '^src/core/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'core'] },
    },
    {
      name: 'readers-run-in-a-browser',
      comment:
        'readers/ parse bytes and pixels for the CLI and the studio: no node: module, no sharp',
      severity: 'error',
      from: { path: '^src/readers/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^node_modules/(sharp|onnxruntime-node)/|^(node:)?[a-z_/]+$',
        dependencyTypes: ['core', 'npm'],
      },
    },
    {
      name: 'web-never-imports-cli',
      comment: 'web/ and cli/ are two faces of the library: web/ takes what it needs from below',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'only-cli-touches-the-process',
      comment: 'file system and process belong to cli/ (and to tests, benches and scripts)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|web|runtime)/|\\.test\\.ts$' },
      to: {
        path: '^(fs|node:fs|fs/promises|node:fs/promises|process|node:process|child_process|node:child_process)$',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
