#!/usr/bin/env python3
"""Generates test/fixtures/torch-observers/observers.json: seeded inputs and the outputs of
PyTorch's observers on them, which src/observers/torch.test.ts checks zeropoint against.

Run with Debian's python3-torch: /usr/bin/python3 scripts/gen-torch-fixtures.py
npm test never runs this; it reads the committed JSON.

Observers: MinMaxObserver, MovingAverageMinMaxObserver, PerChannelMinMaxObserver,
MovingAveragePerChannelMinMaxObserver, HistogramObserver; per_tensor_affine and
per_tensor_symmetric (per_channel_* for per-channel); quint8 and qint8; reduce_range off/on.

HistogramObserver quirks handled here, and said so in the JSON:
- torch <= 1.13's HistogramObserver.forward calls torch.histc(x, bins, min=int(min_val),
  max=int(max_val)): the range is truncated to integers, so values outside it are dropped
  (fixed upstream, where histc gets the float range). We fill the observer's histogram with
  torch.histc over the float range, as fixed versions do, and then call PyTorch's own
  _non_linear_param_search and calculate_qparams. Where int() truncation is harmless
  (int(min) == int(max): histc then uses the data's own range) we also run the real forward
  and assert it gives the same histogram.
- Its multi-batch combination differs across versions (upsample/downsample in 1.13,
  interpolation later), so for several batches we record PyTorch's search on the histogram
  of all batches at once, the reference zeropoint's multi-batch histogram must come within a
  bin of.
"""

import base64
import json
import os
import sys

import numpy as np
import torch
from torch.ao.quantization import observer as O

SEED = 20240601
BINS = 2048
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch-observers',
                   'observers.json')


def distributions(rng, shape):
    n = int(np.prod(shape))
    return {
        'gaussian': rng.normal(0.0, 1.0, n),
        'post-relu': np.maximum(rng.normal(0.3, 1.0, n), 0.0),
        'heavy-tailed': rng.standard_t(2.0, n) * 0.5,
        'skewed': rng.exponential(1.0, n) - 0.3,
        'constant': np.full(n, 0.37),
        'zeros': np.zeros(n),
    }


def b64(x):
    return base64.b64encode(np.ascontiguousarray(x, dtype='<f4').tobytes()).decode('ascii')


def f32list(t):
    return [float(v) for v in t.reshape(-1).tolist()]


# PyTorch refuses reduce_range with symmetric quint8 ("Cannot reduce range for symmetric
# quantization for quint8"), so that combination has no reference.
CONFIGS = [(dtype, scheme, reduce)
           for dtype in ('quint8', 'qint8')
           for scheme in ('affine', 'symmetric')
           for reduce in (False, True)
           if not (dtype == 'quint8' and scheme == 'symmetric' and reduce)]
DTYPES = {'quint8': torch.quint8, 'qint8': torch.qint8}


def qscheme(scheme, per_channel):
    if per_channel:
        return torch.per_channel_affine if scheme == 'affine' else torch.per_channel_symmetric
    return torch.per_tensor_affine if scheme == 'affine' else torch.per_tensor_symmetric


def run(obs, batches):
    for b in batches:
        obs(b)
    scale, zp = obs.calculate_qparams()
    return {'min': f32list(obs.min_val), 'max': f32list(obs.max_val),
            'scale': f32list(scale), 'zeroPoint': [int(v) for v in zp.reshape(-1).tolist()]}


def histogram_case(x, dtype, scheme, reduce):
    """PyTorch's search and qparams on the float-range histc of x (see the module doc)."""
    obs = O.HistogramObserver(bins=BINS, dtype=DTYPES[dtype], qscheme=qscheme(scheme, False),
                              reduce_range=reduce)
    mn, mx = torch.aminmax(x)
    hist = torch.histc(x, BINS, min=float(mn), max=float(mx))
    if int(mn) == int(mx):
        real = O.HistogramObserver(bins=BINS, dtype=DTYPES[dtype])
        real(x)
        assert torch.equal(real.histogram, hist), 'real forward disagrees with float-range histc'
    obs.min_val.resize_(mn.shape).copy_(mn)
    obs.max_val.resize_(mx.shape).copy_(mx)
    obs.histogram.copy_(hist)
    new_min, new_max = obs._non_linear_param_search()
    scale, zp = obs.calculate_qparams()
    return hist, {'searchMin': float(new_min), 'searchMax': float(new_max),
                  'scale': f32list(scale), 'zeroPoint': [int(v) for v in zp.reshape(-1).tolist()]}


def sparse(hist):
    idx = torch.nonzero(hist).reshape(-1)
    return {'index': [int(i) for i in idx.tolist()], 'count': [float(hist[i]) for i in idx]}


def main():
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    # Each case: a list of batches of one shape; per-channel observers use the listed axes.
    layouts = [
        {'name': 'A', 'batches': 3, 'shape': [4, 128], 'axes': [0]},
        {'name': 'B', 'batches': 2, 'shape': [3, 4, 4, 8], 'axes': [0, 1]},
    ]
    cases = []
    for layout in layouts:
        shape = layout['shape']
        per_batch = [distributions(rng, shape) for _ in range(layout['batches'])]
        for dist in per_batch[0]:
            arrays = [d[dist].astype(np.float32).reshape(shape) for d in per_batch]
            batches = [torch.from_numpy(a) for a in arrays]
            case = {'name': f'{dist}/{layout["name"]}', 'distribution': dist, 'shape': shape,
                    'batches': [b64(a) for a in arrays], 'results': []}
            whole = torch.cat([b.reshape(-1) for b in batches])
            single_hist = None
            for dtype, scheme, reduce in CONFIGS:
                kw = dict(dtype=DTYPES[dtype], reduce_range=reduce)
                res = {'qtype': dtype, 'scheme': scheme, 'reduceRange': reduce}
                res['minmax'] = run(O.MinMaxObserver(qscheme=qscheme(scheme, False), **kw),
                                    batches)
                res['ema'] = run(O.MovingAverageMinMaxObserver(
                    qscheme=qscheme(scheme, False), **kw), batches)
                res['perChannel'] = {}
                res['emaPerChannel'] = {}
                for axis in layout['axes']:
                    res['perChannel'][str(axis)] = run(O.PerChannelMinMaxObserver(
                        ch_axis=axis, qscheme=qscheme(scheme, True), **kw), batches)
                    res['emaPerChannel'][str(axis)] = run(O.MovingAveragePerChannelMinMaxObserver(
                        ch_axis=axis, qscheme=qscheme(scheme, True), **kw), batches)
                single_hist, res['histogram'] = histogram_case(batches[0].reshape(-1), dtype,
                                                               scheme, reduce)
                _, res['histogramAll'] = histogram_case(whole, dtype, scheme, reduce)
                case['results'].append(res)
            case['histogram'] = sparse(single_hist)
            cases.append(case)
    doc = {
        'generator': 'scripts/gen-torch-fixtures.py',
        'torch': torch.__version__,
        'numpy': np.__version__,
        'seed': SEED,
        'bins': BINS,
        'notes': [
            'histogram: PyTorch search + qparams on torch.histc of the first batch over its '
            'float range (torch <= 1.13 forward truncates the range with int())',
            'histogramAll: the same on all batches of the case concatenated',
            'ema: averaging_constant 0.01 (PyTorch default)',
        ],
        'cases': cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
    print(f'wrote {len(cases)} cases to {os.path.relpath(OUT)} '
          f'({os.path.getsize(OUT) // 1024} KiB)', file=sys.stderr)


if __name__ == '__main__':
    main()
