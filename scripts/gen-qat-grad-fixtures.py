#!/usr/bin/env python3
"""Generates test/fixtures/qat/grad-torch.json: small seeded inputs for each op the QAT
executor differentiates, PyTorch's output on them, and PyTorch autograd's gradients of
sum(output * r) for a seeded r, which src/qat/ops.torch.test.ts checks zeropoint against.

Run with Debian's python3-torch: /usr/bin/python3 scripts/gen-qat-grad-fixtures.py
npm test never runs this; it reads the committed JSON. Everything runs in float64.

Each case names the ONNX op and its attributes; the torch expression is the ONNX semantics
written with torch functions (asymmetric pads through F.pad, BatchNormalization's inference
form and Gemm's alpha/beta spelled out, so autograd gives every input's gradient).
"""

import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(12)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'qat', 'grad-torch.json')


def rand(*shape, scale=1.0, offset=0.0):
    return (torch.rand(*shape, dtype=torch.float64) * 2 - 1) * scale + offset


def encode(t):
    if t is None:
        return None
    kind = 'float' if t.dtype.is_floating_point else ('bool' if t.dtype == torch.bool else 'int64')
    values = t.detach().reshape(-1).tolist()
    if kind == 'bool':
        values = [1 if v else 0 for v in values]
    return {'shape': list(t.shape), 'dtype': kind, 'data': values}


CASES = []


def case(name, op, inputs, fn, attributes=None, opset=17, grad_inputs=None, outputs=1):
    """Runs fn(*inputs) under autograd; records outputs and gradients of the float inputs."""
    leaves = []
    for i, t in enumerate(inputs):
        if t is not None and t.dtype.is_floating_point and (grad_inputs is None or i in grad_inputs):
            t = t.clone().requires_grad_(True)
        leaves.append(t)
    result = fn(*leaves)
    results = list(result) if isinstance(result, (tuple, list)) else [result]
    assert len(results) == outputs, name
    loss = 0
    grad_outputs = []
    for y in results:
        r = rand(*y.shape)
        grad_outputs.append(r)
        loss = loss + (y * r).sum()
    loss.backward()
    CASES.append({
        'name': name,
        'op': op,
        'opset': opset,
        'attributes': attributes or {},
        'inputs': [encode(t) for t in inputs],
        'outputs': [encode(y) for y in results],
        'gradOutputs': [encode(r) for r in grad_outputs],
        'grads': [encode(t.grad) if t is not None and t.requires_grad else None for t in leaves],
    })


def ints(name, values):
    return {name: {'ints': values}}


def conv_ref(x, w, b, strides, pads, dilations, group):
    # ONNX pads are [begin..., end...]; F.pad takes the last axis first.
    rank = len(strides)
    torch_pads = []
    for i in reversed(range(rank)):
        torch_pads += [pads[i], pads[rank + i]]
    x = F.pad(x, torch_pads)
    conv = F.conv2d if rank == 2 else F.conv1d
    return conv(x, w, b, stride=strides, dilation=dilations, groups=group)


def conv_case(name, x, w, b, strides, pads, dilations, group):
    attrs = {'strides': {'ints': strides}, 'pads': {'ints': pads}, 'dilations': {'ints': dilations},
             'group': {'int': group}}
    case(name, 'Conv', [x, w, b], lambda x, w, b: conv_ref(x, w, b, strides, pads, dilations, group), attrs)


conv_case('Conv 3x3 pad 1 stride 1', rand(2, 3, 6, 7), rand(4, 3, 3, 3), rand(4), [1, 1], [1, 1, 1, 1], [1, 1], 1)
conv_case('Conv stride 2, dilation 2, asymmetric pads', rand(1, 2, 9, 8), rand(3, 2, 3, 2), rand(3), [2, 1], [1, 0, 2, 1], [2, 2], 1)
conv_case('Conv depthwise 5x5 (PP-OCR)', rand(2, 4, 7, 9), rand(4, 1, 5, 5), rand(4), [1, 1], [2, 2, 2, 2], [1, 1], 4)
conv_case('Conv depthwise stride 2', rand(1, 3, 8, 8), rand(3, 1, 3, 3), rand(3), [2, 2], [1, 1, 1, 1], [1, 1], 3)
conv_case('Conv grouped 2x2', rand(1, 4, 5, 6), rand(6, 2, 3, 3), rand(6), [1, 1], [0, 0, 0, 0], [1, 1], 2)
conv_case('Conv pointwise', rand(2, 5, 3, 4), rand(6, 5, 1, 1), rand(6), [1, 1], [0, 0, 0, 0], [1, 1], 1)
conv_case('Conv 1x3 on a 1-row map', rand(2, 6, 1, 10), rand(4, 6, 1, 3), rand(4), [1, 1], [0, 1, 0, 1], [1, 1], 1)

case('MatMul batched broadcast', 'MatMul', [rand(2, 1, 3, 4), rand(3, 4, 5)], torch.matmul)
case('MatMul attention scores', 'MatMul', [rand(1, 2, 5, 3), rand(1, 2, 3, 5)], torch.matmul)
case('Gemm alpha beta transB', 'Gemm', [rand(3, 4), rand(5, 4), rand(5)],
     lambda a, b, c: 0.5 * a @ b.T + 2.0 * c,
     {'alpha': {'float': 0.5}, 'beta': {'float': 2.0}, 'transB': {'int': 1}})
case('Add broadcast', 'Add', [rand(2, 3, 4), rand(3, 1)], torch.add)
case('Sub broadcast', 'Sub', [rand(1, 4), rand(3, 1)], torch.sub)
case('Mul per channel', 'Mul', [rand(2, 3, 2, 2), rand(1, 3, 1, 1)], torch.mul)
case('Div', 'Div', [rand(2, 3), rand(2, 3, scale=0.5, offset=1.5)], torch.div)
case('Pow', 'Pow', [rand(2, 3, scale=0.4, offset=1.0), rand(2, 3)], torch.pow)
case('Relu', 'Relu', [rand(3, 4)], torch.relu)
case('Sigmoid', 'Sigmoid', [rand(3, 4, scale=3)], torch.sigmoid)
case('Tanh', 'Tanh', [rand(3, 4, scale=2)], torch.tanh)
# The recognizer's alpha as its float32 attribute holds it (F.hardsigmoid's 1/6 differs by 3e-8).
PPOCR_ALPHA = 0.16666670143604279
case('HardSigmoid (PP-OCR alpha)', 'HardSigmoid', [rand(4, 5, scale=5)],
     lambda x: torch.clamp(PPOCR_ALPHA * x + 0.5, 0, 1), {'alpha': {'float': PPOCR_ALPHA}, 'beta': {'float': 0.5}})
case('HardSwish', 'HardSwish', [rand(4, 5, scale=5)], F.hardswish, opset=14)
case('Clip 0..6 (opset 9 attributes)', 'Clip', [rand(4, 5, scale=8, offset=3)], lambda x: torch.clamp(x, 0, 6),
     {'min': {'float': 0.0}, 'max': {'float': 6.0}}, opset=9)
case('Sqrt', 'Sqrt', [rand(3, 4, scale=0.4, offset=1)], torch.sqrt)
case('Erf', 'Erf', [rand(3, 4, scale=2)], torch.erf)
case('Softmax last axis', 'Softmax', [rand(2, 3, 5, scale=2)], lambda x: torch.softmax(x, -1), {'axis': {'int': -1}})
case('ReduceMean last axis keepdims', 'ReduceMean', [rand(2, 3, 4)], lambda x: x.mean(-1, keepdim=True),
     ints('axes', [-1]), opset=13)
case('LayerNormalization', 'LayerNormalization', [rand(2, 3, 6), rand(6), rand(6)],
     lambda x, w, b: F.layer_norm(x, (6,), w, b, 1e-5), {'axis': {'int': -1}, 'epsilon': {'float': 1e-5}})
case('BatchNormalization inference', 'BatchNormalization',
     [rand(2, 3, 2, 2), rand(3), rand(3), rand(3), rand(3, scale=0.4, offset=1)],
     lambda x, w, b, m, v: (x - m[None, :, None, None]) / torch.sqrt(v[None, :, None, None] + 1e-5)
     * w[None, :, None, None] + b[None, :, None, None], {'epsilon': {'float': 1e-5}})
case('AveragePool 3x2 stride (3,2)', 'AveragePool', [rand(1, 2, 6, 4)],
     lambda x: F.avg_pool2d(x, (3, 2), (3, 2)), {'kernel_shape': {'ints': [3, 2]}, 'strides': {'ints': [3, 2]}})
case('AveragePool ceil_mode count_include_pad', 'AveragePool', [rand(1, 2, 5, 5)],
     lambda x: F.avg_pool2d(x, 2, 2, padding=1, ceil_mode=True, count_include_pad=True),
     {'kernel_shape': {'ints': [2, 2]}, 'strides': {'ints': [2, 2]}, 'pads': {'ints': [1, 1, 1, 1]},
      'ceil_mode': {'int': 1}, 'count_include_pad': {'int': 1}})
case('MaxPool 2x2', 'MaxPool', [rand(2, 2, 4, 6)], lambda x: F.max_pool2d(x, 2, 2),
     {'kernel_shape': {'ints': [2, 2]}, 'strides': {'ints': [2, 2]}})
case('GlobalAveragePool', 'GlobalAveragePool', [rand(2, 3, 4, 5)], lambda x: F.adaptive_avg_pool2d(x, 1))
case('Transpose', 'Transpose', [rand(3, 2, 2, 3, 2)], lambda x: x.permute(2, 0, 3, 1, 4),
     ints('perm', [2, 0, 3, 1, 4]))
case('Slice with steps', 'Slice',
     [rand(4, 6), torch.tensor([1, 0]), torch.tensor([4, 6]), torch.tensor([0, 1]), torch.tensor([2, 3])],
     lambda x, *_: x[1:4:2, 0:6:3], opset=13)
case('Concat axis 1', 'Concat', [rand(2, 1, 3), rand(2, 2, 3)], lambda a, b: torch.cat([a, b], 1),
     {'axis': {'int': 1}})
case('Split [2, 3]', 'Split', [rand(2, 5)], lambda x: torch.split(x, [2, 3], 1),
     {'axis': {'int': 1}, 'split': {'ints': [2, 3]}}, opset=11, outputs=2)
case('Gather embedding rows', 'Gather', [rand(6, 3), torch.tensor([[5, 0], [5, 2]])],
     lambda w, i: F.embedding(i, w))
case('Where mask', 'Where', [torch.tensor([[True, False, True]]), rand(2, 3), rand(2, 1)],
     lambda c, x, y: torch.where(c, x, y))
case('Expand', 'Expand', [rand(3, 1), torch.tensor([2, 3, 4])], lambda x, s: x.expand(2, 3, 4))
case('Reshape', 'Reshape', [rand(2, 3, 4), torch.tensor([4, -1])], lambda x, s: x.reshape(4, -1))

case('ConvTranspose 2x2 stride 2 (detector)', 'ConvTranspose', [rand(1, 3, 3, 4), rand(3, 2, 2, 2), rand(2)],
     lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2), {'strides': {'ints': [2, 2]}})
case('ConvTranspose grouped, padded, output_padding', 'ConvTranspose', [rand(1, 4, 3, 3), rand(4, 1, 3, 3)],
     lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2),
     {'strides': {'ints': [2, 2]}, 'pads': {'ints': [1, 1, 1, 1]}, 'output_padding': {'ints': [1, 1]},
      'group': {'int': 2}})
# torch's 'nearest' is ONNX nearest + asymmetric + floor; bilinear without align_corners is half_pixel.
case('Resize nearest asymmetric floor x2 (detector)', 'Resize',
     [rand(1, 2, 3, 4), torch.zeros(0, dtype=torch.float64), torch.tensor([1.0, 1.0, 2.0, 2.0], dtype=torch.float64)],
     lambda x, *_: F.interpolate(x, scale_factor=2, mode='nearest'),
     {'mode': {'string': 'nearest'}, 'coordinate_transformation_mode': {'string': 'asymmetric'},
      'nearest_mode': {'string': 'floor'}}, opset=11, grad_inputs=[0])
case('Resize linear half_pixel to sizes', 'Resize',
     [rand(1, 2, 3, 4), None, None, torch.tensor([1, 2, 5, 7])],
     lambda x, *_: F.interpolate(x, size=(5, 7), mode='bilinear', align_corners=False),
     {'mode': {'string': 'linear'}}, opset=13)
case('Resize linear align_corners', 'Resize',
     [rand(1, 1, 4, 3), None, None, torch.tensor([1, 1, 7, 5])],
     lambda x, *_: F.interpolate(x, size=(7, 5), mode='bilinear', align_corners=True),
     {'mode': {'string': 'linear'}, 'coordinate_transformation_mode': {'string': 'align_corners'}}, opset=13)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump({'torch': torch.__version__, 'generator': 'scripts/gen-qat-grad-fixtures.py',
               'cases': CASES}, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {OUT}: {len(CASES)} cases')
