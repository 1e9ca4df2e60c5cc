// `zeropoint bench --kernels` in Node: times the kernel catalogue in onnxruntime-node
// (hardware/measure-kernels.ts) and tags the profile with this machine: platform, CPU model and
// the integer dot-product flags /proc/cpuinfo lists. The one part of the measuring that reads the
// operating system, so it stays in cli/.
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  timeKernelsNode,
  measuredProfile,
  type HardwareProfile,
  type KernelConfig,
  type KernelRunOptions,
} from '../../hardware/index.js';
import { runtimeVersion } from '../../runtime/onnxruntime.js';

const DOT_PRODUCT_FLAGS = [
  'avx2',
  'avx512f',
  'avx512bw',
  'avx512_vnni',
  'avx_vnni',
  'avx_vnni_int8',
  'amx_int8',
  'asimddp',
  'i8mm',
];

/** The CPU flags that decide integer kernel speed, from /proc/cpuinfo (empty elsewhere). */
export function cpuFeatures(): string[] {
  if (!existsSync('/proc/cpuinfo')) return [];
  const text = readFileSync('/proc/cpuinfo', 'utf8');
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(text)?.[1] ?? '';
  const flags = new Set(line.trim().split(/\s+/));
  return DOT_PRODUCT_FLAGS.filter((f) => flags.has(f));
}

/** Measures the catalogue in onnxruntime-node on this machine and returns its profile. */
export async function nodeKernelProfile(
  configs: readonly KernelConfig[],
  options: KernelRunOptions,
): Promise<HardwareProfile> {
  const timings = await timeKernelsNode(configs, options);
  const runtime = {
    name: 'onnxruntime-node',
    version: runtimeVersion(),
    backend: 'cpu',
    threads: options.threads,
  };
  const list = cpus();
  const machine = {
    platform: process.platform,
    arch: process.arch,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    features: cpuFeatures(),
  };
  return measuredProfile(configs, timings, runtime, machine);
}
