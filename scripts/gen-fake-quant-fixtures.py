#!/usr/bin/env python3
# Writes test/fixtures/torch-fake-quant/fake-quant.json: PyTorch's fake-quant outputs and
# gradients (torch.fake_quantize_per_tensor_affine / _per_channel_affine and the learnable
# _fake_quantize_learnable_per_tensor_affine / _per_channel_affine, torch 1.13) on small random
# tensors, for src/qat/fake-quant.test.ts. Run with Debian's /usr/bin/python3; npm test reads
# only the JSON. Not a benchmark, and not the LSQ recipe itself.
#
# torch computes round(x * (1 / scale)); zeropoint divides, round(x / scale) (as ONNX does).
# The two can round differently on values within an ulp of a half-integer, so such elements
# are dropped here (and counted in the JSON), leaving only cases both definitions agree on.
import json
import os

import torch

torch.manual_seed(12)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch-fake-quant',
                   'fake-quant.json')


def agree(x, scale, axis):
    """Mask of elements where x*(1/s) and x/s round to the same integer."""
    if axis is None:
        s = scale.reshape(())
    else:
        shape = [1] * x.dim()
        shape[axis] = -1
        s = scale.reshape(shape)
    inv = (1.0 / s).to(torch.float32)
    return torch.round(x * inv) == torch.round(x / s)


def case(name, x, scale, zp, qmin, qmax, axis, learnable, grad_factor):
    x = x.clone()
    keep = agree(x, scale, axis)
    dropped = int((~keep).sum())
    # Replace the ambiguous elements by 0 (exact in both definitions).
    x = torch.where(keep, x, torch.zeros_like(x)).detach().requires_grad_(True)
    dy = torch.randn_like(x)
    out = {'name': name, 'shape': list(x.shape), 'qmin': qmin, 'qmax': qmax,
           'axis': axis, 'learnable': learnable, 'gradFactor': grad_factor,
           'dropped': dropped, 'x': x.detach().flatten().tolist(),
           'scale': scale.flatten().tolist(), 'zeroPoint': zp.flatten().tolist(),
           'dy': dy.flatten().tolist()}
    if learnable:
        s = scale.clone().detach().requires_grad_(True)
        z = zp.clone().detach().requires_grad_(True)
        if axis is None:
            y = torch._fake_quantize_learnable_per_tensor_affine(x, s, z, qmin, qmax, grad_factor)
        else:
            y = torch._fake_quantize_learnable_per_channel_affine(x, s, z, axis, qmin, qmax,
                                                                  grad_factor)
        y.backward(dy)
        out['dScale'] = s.grad.flatten().tolist()
        out['dZeroPoint'] = z.grad.flatten().tolist()
    else:
        if axis is None:
            y = torch.fake_quantize_per_tensor_affine(x, float(scale), int(zp), qmin, qmax)
        else:
            y = torch.fake_quantize_per_channel_affine(x, scale, zp.to(torch.int32), axis,
                                                       qmin, qmax)
        y.backward(dy)
    out['y'] = y.detach().flatten().tolist()
    out['dx'] = x.grad.flatten().tolist()
    return out


def main():
    cases = []
    ranges = {'int8': (-128, 127), 'uint8': (0, 255), 'int4': (-8, 7), 'uint4': (0, 15)}
    for qtype, (qmin, qmax) in ranges.items():
        mid = 0 if qmin < 0 else (qmax + 1) // 2
        # Per tensor, a range that clips both tails (so the outside-range gradients appear).
        x = torch.randn(4, 6, 5) * 2.0
        scale = torch.tensor([3.0 / (qmax - qmin)], dtype=torch.float32)
        zp_int = torch.tensor([mid + 1 if qmin == 0 else 1], dtype=torch.int32)
        cases.append(case(f'{qtype} per-tensor', x, scale, zp_int.float(), qmin, qmax, None,
                          False, 1.0))
        # Learnable per tensor with a fractional zero point (rounded in the forward pass).
        zp_f = zp_int.float() + 0.3
        g = 1.0 / (x.numel() * qmax) ** 0.5 if qmax > 0 else 1.0
        cases.append(case(f'{qtype} learnable per-tensor', x, scale, zp_f, qmin, qmax, None,
                          True, g))
        # Per channel on axis 1, both plain and learnable.
        xc = torch.randn(3, 4, 7) * torch.tensor([0.5, 1.0, 2.0, 4.0]).reshape(1, 4, 1)
        sc = torch.tensor([0.02, 0.05, 0.1, 0.3], dtype=torch.float32) * (255 / (qmax - qmin))
        zc = torch.tensor([mid, mid + 2, mid - 1 if mid > 0 else -1, mid], dtype=torch.int32)
        zc = zc.clamp(qmin, qmax)
        cases.append(case(f'{qtype} per-channel', xc, sc, zc.float(), qmin, qmax, 1, False, 1.0))
        zcf = zc.float() + torch.tensor([0.2, -0.3, 0.1, 0.4])
        cases.append(case(f'{qtype} learnable per-channel', xc, sc, zcf, qmin, qmax, 1, True,
                          1.0 / (xc.numel() * qmax) ** 0.5))
    with open(OUT, 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': cases}, f)
        f.write('\n')
    print(f'wrote {len(cases)} cases to {OUT}')


if __name__ == '__main__':
    main()
