#!/usr/bin/env python3
"""Generates test/fixtures/qat/ctc-torch.json: small seeded softmax outputs [T, C] and
targets (repeats, adjacent equal labels, an empty target, a target too long for T), with
PyTorch's F.ctc_loss (blank 0, reduction 'sum', zero_infinity=True) of log_softmax(logits) and
autograd's gradient with respect to the logits, which test/ctc-loss-module.test.ts checks the
example CTC loss module against (its dL/dprobs taken through the softmax). The logits, not the
probabilities: PyTorch's CTC backward returns exp(log_probs) - gamma, the gradient a
log_softmax in front turns into the right one, not d/d(log_probs) itself.

Run with Debian's python3-torch: /usr/bin/python3 scripts/gen-ctc-fixtures.py
npm test never runs this; it reads the committed JSON. Everything runs in float64.
"""

import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(27)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'qat', 'ctc-torch.json')

CASES = [
    ('plain', 12, 6, [1, 2, 3]),
    ('repeated label', 10, 5, [2, 2, 3]),
    ('alternating', 14, 4, [1, 3, 1, 3, 1]),
    ('one step per label', 3, 5, [1, 2, 3]),
    ('empty target', 6, 4, []),
    ('impossible', 3, 4, [1, 1, 1]),
    ('peaked', 20, 8, [7, 1, 4, 4, 2]),
]


def case(name, steps, classes, target):
    sharp = 4.0 if name == 'peaked' else 1.0
    logits = torch.randn(steps, classes, dtype=torch.float64) * sharp
    logits.requires_grad_(True)
    probs = torch.softmax(logits, dim=-1)
    log_probs = torch.log_softmax(logits, dim=-1).unsqueeze(1)  # [T, N=1, C]
    loss = F.ctc_loss(
        log_probs,
        torch.tensor([target], dtype=torch.long) if target else torch.zeros(1, 0, dtype=torch.long),
        input_lengths=torch.tensor([steps]),
        target_lengths=torch.tensor([len(target)]),
        blank=0,
        reduction='sum',
        zero_infinity=True,
    )
    loss.backward()
    return {
        'name': name,
        'steps': steps,
        'classes': classes,
        'target': target,
        'probs': probs.detach().flatten().tolist(),
        'loss': loss.item(),
        'gradLogits': logits.grad.flatten().tolist(),
    }


with open(OUT, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': [case(*c) for c in CASES]}, f, indent=1)
    f.write('\n')
print('wrote', OUT)
