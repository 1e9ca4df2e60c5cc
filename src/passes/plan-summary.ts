// The plan in numbers, for the CLI's table and the JSON report: per op type how many nodes run
// on integers, share a scale, fold away or stay float (with each reason counted), and how many
// tensors get QDQ and need calibration. Plain JSON data. Not the plan itself.
import type { NodeDecision, QuantPlan } from './plan-types.js';

/** Counts for one op type. */
export interface OpSummary {
  readonly quantized: number;
  readonly sharesScale: number;
  readonly folded: number;
  readonly float: number;
  /** Why nodes of this type stay float, with how many for each reason. */
  readonly floatReasons: Readonly<Record<string, number>>;
}

/** A JSON-able overview of a plan. */
export interface PlanSummary {
  readonly opset: number;
  readonly activation: QuantPlan['activation'];
  /** MatMuls of two activations: 'quantize' (QLinearMatMul) or 'float'. */
  readonly activationMatMul: QuantPlan['activationMatMul'];
  readonly nodes: number;
  /** Nodes that run on integers (quantized or sharing a scale) or fold away. */
  readonly integer: number;
  readonly float: number;
  readonly quantizedTensors: number;
  readonly calibratedTensors: number;
  readonly weights: number;
  readonly byOp: Readonly<Record<string, OpSummary>>;
}

const KEYS: Readonly<
  Record<NodeDecision['status'], 'quantized' | 'sharesScale' | 'folded' | 'float'>
> = {
  quantized: 'quantized',
  'shares-scale': 'sharesScale',
  folded: 'folded',
  float: 'float',
};

/** Counts a plan's decisions by op type and status. */
export function summarizePlan(plan: QuantPlan): PlanSummary {
  const byOp: Record<string, { -readonly [K in keyof OpSummary]: OpSummary[K] }> = {};
  for (const d of plan.nodes) {
    const op = (byOp[d.opType] ??= {
      quantized: 0,
      sharesScale: 0,
      folded: 0,
      float: 0,
      floatReasons: {},
    });
    op[KEYS[d.status]]++;
    if (d.status === 'float') {
      const reasons = op.floatReasons as Record<string, number>;
      const reason = d.reason ?? 'unknown';
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
  }
  const float = plan.nodes.filter((d) => d.status === 'float').length;
  return {
    opset: plan.opset,
    activation: plan.activation,
    activationMatMul: plan.activationMatMul,
    nodes: plan.nodes.length,
    integer: plan.nodes.length - float,
    float,
    quantizedTensors: plan.groups.reduce((n, g) => n + g.tensors.length, 0),
    calibratedTensors: plan.calibrate.length,
    weights: plan.constants.filter((c) => c.role === 'weight').length,
    byOp,
  };
}
