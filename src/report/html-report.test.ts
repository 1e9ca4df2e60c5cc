// The report of a real (tiny) profile: one page that needs nothing from the network, a chart
// and a reason for every tensor, both grids drawn under each histogram, the range guard's marks,
// the summary's counts adding up, and JSON that writes infinite SQNRs as null.
import { describe, expect, it } from 'vitest';
import { runProfileRecipe } from '../advise/index.js';
import { convChain, convInputs } from '../../test/helpers/conv-chain.js';
import { histogramChart } from './histogram-chart.js';
import { htmlReport } from './html-report.js';
import { profileJSON } from './report-json.js';
import { summarize } from './summary.js';
import { ticks } from './svg.js';

const { profile } = await runProfileRecipe({
  model: convChain(),
  name: 'conv-chain <test>',
  batches: convInputs(8, 1),
  heldOut: () => convInputs(2, 100),
});
const html = htmlReport(profile, { generator: 'test', createdAt: '2026-01-01T00:00:00Z' });

describe('htmlReport', () => {
  it('is one self-contained page: no script, no external resource, names escaped', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)|\ssrc=|<link/);
    expect(html).toContain('conv-chain &lt;test&gt;');
  });

  it('has a section, a chart and a reason for every tensor, and the sensitivity chart', () => {
    const sections = html.match(/<section class="tensor/g) ?? [];
    expect(sections).toHaveLength(profile.tensors.length);
    expect((html.match(/<svg /g) ?? []).length).toBe(profile.tensors.length + 1);
    for (const t of profile.tensors) expect(html).toContain(t.recommendation.reason.slice(0, 40));
    expect(html).toContain('Layer sensitivity: the 3 most sensitive of 3 layers');
  });

  it('marks the candidates the range guard replaces and counts them in the summary', () => {
    const s = summarize(profile);
    const guarded = profile.tensors.filter((t) => t.candidates.some((c) => c.guarded !== null));
    expect(guarded.length).toBeGreaterThan(0);
    expect((html.match(/<p class="guard">/g) ?? []).length).toBe(guarded.length);
    expect(s.rangeGuard[profile.method]).toEqual([]);
    expect(s.rangeGuard.entropy!.length).toBeGreaterThan(0);
    expect(html).toMatch(
      new RegExp(
        `entropy on ${s.rangeGuard.entropy!.length}, .* of ${s.activations} activation groups`,
      ),
    );
  });

  it('says which hardware the costs come from', () => {
    expect(html).toMatch(/built-in default: onnxruntime-node 1\.30\.0/);
  });
});

describe('histogramChart', () => {
  it('draws every level of both grids: 255 symmetric ticks and 256 asymmetric ones', () => {
    const activation = profile.tensors.find((t) => t.kind === 'activation' && t.stats.min >= 0)!;
    const svg = histogramChart(activation);
    const grids = [
      ...svg.matchAll(/<path d="([^"]*)" stroke="[^"]*" stroke-width="[^"]*" class="grid"/g),
    ];
    expect(grids).toHaveLength(2);
    const ticksOf = (d: string) => (d.match(/M/g) ?? []).length;
    expect(ticksOf(grids[0]![1]!)).toBe(255);
    expect(ticksOf(grids[1]![1]!)).toBe(256);
  });
});

describe('summarize and profileJSON', () => {
  it('counts every activation group once', () => {
    const s = summarize(profile);
    const total = s.decisions.reduce((n, d) => n + d.count, 0);
    expect(total).toBe(s.activations);
    expect(s.activations).toBe(profile.tensors.filter((t) => t.kind === 'activation').length);
  });

  it('writes non-finite numbers as null and parses back', () => {
    const withInfinity = { ...profile, comparisons: [{ config: 'exact', sqnrDb: Infinity }] };
    const doc = JSON.parse(profileJSON(withInfinity)) as {
      format: string;
      profile: { comparisons: { sqnrDb: number | null }[] };
    };
    expect(doc.format).toBe('zeropoint-profile');
    expect(doc.profile.comparisons[0]!.sqnrDb).toBeNull();
  });
});

describe('ticks', () => {
  it('gives round steps covering the range', () => {
    expect(ticks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(-0.95, 1, 4)).toEqual([-0.5, 0, 0.5, 1]);
  });
});
