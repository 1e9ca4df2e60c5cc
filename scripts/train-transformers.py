#!/usr/bin/python3
"""Trains the three small transformers under data/transformers/ on real Debian/project data.

  /usr/bin/python3 scripts/train-transformers.py [bert] [gpt] [vit]      (all when none named)

bert: a BERT-style pair classifier (which of 14 languages is snippet B in, snippet A being
a distractor that is often in the same or a related language? Debian's translated man pages;
held out: other commands' pages), gpt: a character-level GPT on Debian package docs
(held out: Python's stdlib docstrings), vit: a ViT classifying rendered characters (images by
`npx tsx scripts/render-transformer-images.ts`; held out: other fonts). Each model is exported
to ONNX opset 17 with its calibration samples (.npz, one per file, one array per input), its
held-out set and metrics.json (the fp32 metric the TypeScript scorer must reproduce).
Not a benchmark of quantization (bench/transformers does that) and not needed by `npm test`.
Needs only torch 1.13 and numpy; seeded and single-threaded, so a rerun gives the same weights.
The defaults made the committed models; for trials, GPT_STEPS, BERT_STEPS, VIT_STEPS, BERT_LR,
VIT_PATCH change them and TRANSFORMERS_OUT=DIR writes DIR/<name>/ instead of data/transformers/.
"""
import ast
import glob
import gzip
import json
import math
import os
import random
import re
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.environ.get("TRANSFORMERS_OUT", os.path.join(ROOT, "data", "transformers"))
OPSET = 17
CALIB_SAMPLES = 32


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def log(*args):
    print(*args, flush=True)


# ---------------------------------------------------------------------------------------------
# Shared transformer parts: attention written out (separate q/k/v projections, MatMul QK^T,
# Softmax, MatMul AV) so the ONNX graph has the ops a transformers-style export has.


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.dh = heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, bias):
        b, t = x.shape[0], x.shape[1]

        def split(y):
            return y.reshape(b, t, self.heads, self.dh).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh) + bias
        y = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.o(y.transpose(1, 2).reshape(b, t, self.heads * self.dh))


class Block(nn.Module):
    """post_ln: BERT's x = LN(x + f(x)); otherwise GPT/ViT's pre-LN x = x + f(LN(x))."""

    def __init__(self, d, heads, ffn, post_ln):
        super().__init__()
        self.post_ln = post_ln
        self.attn = Attention(d, heads)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, ffn), nn.Linear(ffn, d)

    def mlp(self, x):
        return self.fc2(F.gelu(self.fc1(x)))

    def forward(self, x, bias):
        if self.post_ln:
            x = self.ln1(x + self.attn(x, bias))
            return self.ln2(x + self.mlp(x))
        x = x + self.attn(self.ln1(x), bias)
        return x + self.mlp(self.ln2(x))


def export(model, args, names, outputs, dynamic, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.eval()
    torch.onnx.export(
        model,
        args,
        path,
        input_names=names,
        output_names=outputs,
        dynamic_axes=dynamic,
        opset_version=OPSET,
        do_constant_folding=True,
    )
    log(f"  wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


def write_calib(folder, samples):
    """samples: list of dicts input name -> array [1, ...]; one .npz per sample."""
    os.makedirs(folder, exist_ok=True)
    for old in glob.glob(os.path.join(folder, "*.npz")):
        os.remove(old)
    for i, s in enumerate(samples):
        np.savez(os.path.join(folder, f"{i:04d}.npz"), **s)


def write_npy(folder, arrays):
    os.makedirs(folder, exist_ok=True)
    for name, a in arrays.items():
        np.save(os.path.join(folder, f"{name}.npy"), a)


def params(model):
    return sum(p.numel() for p in model.parameters())


def train_loop(model, batches, steps, lr, loss_of, label):
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    model.train()
    t0, running = time.time(), 0.0
    for step in range(steps):
        loss = loss_of(model, batches(step))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        if step % 200 == 0 or step == steps - 1:
            log(f"  {label} step {step}/{steps} loss {running:.3f} ({time.time() - t0:.0f} s)")
    model.eval()


# ---------------------------------------------------------------------------------------------
# Text sources: Debian package documentation (split by package) and Python's stdlib docstrings.


def package_docs():
    """{package: text} from /usr/share/doc/<pkg>/{copyright, changelog*.gz, README*}."""
    docs = {}
    for pkg_dir in sorted(glob.glob("/usr/share/doc/*")):
        parts = []
        for path in sorted(glob.glob(os.path.join(pkg_dir, "*"))):
            base = os.path.basename(path)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            try:
                if base == "copyright" or base.startswith("README"):
                    if base.endswith(".gz"):
                        with gzip.open(path, "rt", errors="replace") as f:
                            parts.append(f.read(60000))
                    elif "." not in base or base.endswith((".md", ".txt", ".Debian")):
                        with open(path, errors="replace") as f:
                            parts.append(f.read(60000))
                elif base.startswith("changelog") and base.endswith(".gz"):
                    with gzip.open(path, "rt", errors="replace") as f:
                        parts.append(f.read(60000))
            except (OSError, EOFError):
                continue
        if parts:
            docs[os.path.basename(pkg_dir)] = "\n".join(parts)
    return docs


def split_packages(names):
    """Deterministic split by a hash of the name: 3/4 train (and calibration), 1/4 held out."""
    train, held = [], []
    for n in names:
        h = sum((i + 1) * ord(c) for i, c in enumerate(n)) % 4
        (held if h == 0 else train).append(n)
    return train, held


def stdlib_docstrings():
    """English prose that is not Debian's: docstrings of Python's standard library modules."""
    texts = []
    for path in sorted(glob.glob("/usr/lib/python3.11/*.py")):
        try:
            with open(path, errors="replace") as f:
                tree = ast.parse(f.read())
        except (SyntaxError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)):
                doc = ast.get_docstring(node)
                if doc and len(doc) > 200:
                    texts.append(doc)
    return texts


# ---------------------------------------------------------------------------------------------
# GPT: character-level decoder.

GPT_CHARS = "\n" + "".join(chr(c) for c in range(32, 127))  # id 0 is unknown
GPT_CTX = 64


def gpt_encode(text):
    table = {c: i + 1 for i, c in enumerate(GPT_CHARS)}
    return np.array([table.get(c, 0) for c in text], dtype=np.int64)


class Gpt(nn.Module):
    def __init__(self, vocab, d=64, layers=2, heads=4, ffn=256, ctx=GPT_CTX):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList(Block(d, heads, ffn, False) for _ in range(layers))
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)
        self.register_buffer("causal", torch.triu(torch.full((ctx, ctx), -1e4), 1), False)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos.weight[:t].unsqueeze(0)
        bias = self.causal[:t, :t]
        for blk in self.blocks:
            x = blk(x, bias)
        return self.head(self.ln(x))


def gpt_text_windows(text, count, rng):
    ids = gpt_encode(text)
    starts = rng.integers(0, len(ids) - GPT_CTX - 1, count)
    return np.stack([ids[s : s + GPT_CTX + 1] for s in starts])


def train_gpt():
    seed_all(2)
    log("gpt: reading Debian package docs")
    docs = package_docs()
    train_pkgs, _ = split_packages(sorted(docs))
    train_text = "\n".join(re.sub(r"\n{3,}", "\n\n", docs[p]) for p in train_pkgs)
    held_text = "\n\n".join(stdlib_docstrings())
    # Lines the training text also has are dropped from the held-out text (shared boilerplate).
    seen = set(train_text.splitlines())
    held_text = "\n".join(l for l in held_text.splitlines() if l.strip() == "" or l not in seen)
    log(f"  train {len(train_text)} chars from {len(train_pkgs)} packages, held-out {len(held_text)}")
    rng = np.random.default_rng(3)
    train_ids = gpt_encode(train_text)
    model = Gpt(len(GPT_CHARS) + 1)
    log(f"  {params(model)} parameters")

    def batch(_step):
        s = rng.integers(0, len(train_ids) - GPT_CTX - 1, 16)
        w = torch.from_numpy(np.stack([train_ids[i : i + GPT_CTX + 1] for i in s]))
        return w[:, :-1], w[:, 1:]

    def loss_of(m, b):
        logits = m(b[0])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), b[1].reshape(-1))

    train_loop(model, batch, int(os.environ.get("GPT_STEPS", 1000)), 3e-3, loss_of, "gpt")
    held = gpt_text_windows(held_text, 256, np.random.default_rng(4))
    calib = gpt_text_windows(train_text, CALIB_SAMPLES, np.random.default_rng(5))
    with torch.no_grad():
        logits = model(torch.from_numpy(held[:, :-1]))
    correct = (logits.argmax(-1).numpy() == held[:, 1:]).sum()
    acc = float(correct) / held[:, 1:].size
    log(f"  gpt held-out next-character accuracy {acc:.4f}")
    out = os.path.join(OUT, "gpt")
    export(
        model,
        (torch.from_numpy(held[:2, :-1]),),
        ["input_ids"],
        ["logits"],
        {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}},
        os.path.join(out, "onnx", "model.onnx"),
    )
    write_calib(os.path.join(out, "calib"), [{"input_ids": w[None, :-1]} for w in calib])
    # Held-out windows of GPT_CTX + 1 characters: input is [:, :-1], targets [:, 1:].
    write_npy(os.path.join(out, "heldout"), {"windows": held.astype(np.uint8)})
    write_json(
        os.path.join(out, "config.json"),
        {
            "model_type": "gpt2",
            "vocab_size": len(GPT_CHARS) + 1,
            "n_positions": GPT_CTX,
            "vocab": ["<unk>"] + list(GPT_CHARS),
            "task": "next-character prediction; logits [batch, sequence, vocab]",
        },
    )
    write_json(
        os.path.join(out, "metrics.json"),
        {
            "metric": "next-character accuracy",
            "fp32": acc,
            "heldout": "heldout/windows.npy: uint8 ids [N, 65]; input [:, :64], targets [:, 1:]",
            "count": int(held[:, 1:].size),
        },
    )


# ---------------------------------------------------------------------------------------------
# BERT: pair classifier on Debian's translated man pages: "[CLS] A [SEP] B [SEP]: which language
# is B in?" A is in B's language half the time, a related one (Romance, Germanic, Slavic) a
# quarter, so only token_type_ids tell which words to judge. (A same-language yes/no label on
# the same pairs stayed at chance loss for 400 steps; this one learns within the budget.)

BERT_SEQ = 64
BERT_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
WORD = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")
BERT_WORDS, BERT_HASHES = 2048, 512
LANGUAGES = ["en", "de", "fr", "nl", "sv", "da", "es", "pt", "it", "ro", "pl", "ru", "uk", "tr"]
RELATED = [{"es", "pt", "it", "fr", "ro"}, {"de", "nl", "sv", "da", "en"}, {"ru", "uk", "pl"}]
MAN_PAGES_PER_LANGUAGE = 120
BERT_HELDOUT = 3000  # pairs; 800 made one sample 0.3 % of a ratio to fp32


def hashed(word):
    """Words outside the vocabulary share BERT_HASHES ids by a stable hash (the hashing trick),
    so a rare word still carries its spelling's identity: [UNK] (1) is never produced."""
    return BERT_WORDS + zlib.crc32(word.encode()) % BERT_HASHES


def words(text):
    return WORD.findall(text.lower())


def man_text(path):
    """The running text of a roff man page: macros' arguments kept, escapes dropped."""
    with gzip.open(path, "rt", errors="replace") as f:
        lines = f.read().splitlines()
    out = []
    for line in lines:
        if line.startswith(('.\\"', "'\\\"", ".TH", ".so")):
            continue
        if line.startswith((".", "'")):
            line = line.split(" ", 1)[1] if " " in line else ""
        line = re.sub(r"\\f(\[[^]]*\]|\(..|.)|\\\(..|\\\*.|\\[&e|^]", "", line)
        out.append(line.replace("\\-", "-").replace('"', ""))
    return " ".join(out)


def man_pages():
    """{language: {page name: text}} from /usr/share/man/<lang>/ (en: /usr/share/man/man*)."""
    pages = {}
    for lang in LANGUAGES:
        folder = "/usr/share/man" if lang == "en" else f"/usr/share/man/{lang}*"
        paths = sorted(glob.glob(f"{folder}/man[1-8]/*.gz"))
        if lang == "en":  # thousands: take a spread, not the alphabet's start
            paths = paths[:: max(1, len(paths) // (4 * MAN_PAGES_PER_LANGUAGE))]
        texts = {}
        for path in paths:
            text = man_text(path)
            if len(text) > 400:
                texts[os.path.basename(path)] = text
        pages[lang] = texts
    return pages


def split_pages(pages):
    """Training pages and held-out pages per language, split by a hash of the page name (so
    the held-out set is other commands' pages), at most MAN_PAGES_PER_LANGUAGE for training."""
    train, held = {}, {}
    for lang, texts in pages.items():
        names = sorted(texts)
        held_names = [n for n in names if zlib.crc32(n.encode()) % 4 == 0]
        train_names = [n for n in names if zlib.crc32(n.encode()) % 4 != 0]
        train[lang] = "\n".join(texts[n] for n in train_names[:MAN_PAGES_PER_LANGUAGE])
        held[lang] = "\n".join(texts[n] for n in held_names[:MAN_PAGES_PER_LANGUAGE])
    return train, held


class Bert(nn.Module):
    def __init__(self, vocab, d=64, layers=2, heads=4, ffn=256, seq=BERT_SEQ, labels=2):
        super().__init__()
        self.tok, self.pos, self.seg = nn.Embedding(vocab, d), nn.Embedding(seq, d), nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d)
        self.blocks = nn.ModuleList(Block(d, heads, ffn, True) for _ in range(layers))
        self.pool, self.cls = nn.Linear(d, d), nn.Linear(d, labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        t = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos.weight[:t].unsqueeze(0) + self.seg(token_type_ids)
        x = self.ln(x)
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for blk in self.blocks:
            x = blk(x, bias)
        return self.cls(torch.tanh(self.pool(x[:, 0])))


def bert_pairs(lang_ids, count, rng):
    """count pairs of snippets (8-29 tokens each), labelled with B's language: A is in B's
    language half the time, in a related language a quarter, in another a quarter."""
    langs = sorted(lang_ids)
    ids = np.zeros((count, BERT_SEQ), np.int64)
    mask = np.zeros((count, BERT_SEQ), np.int64)
    types = np.zeros((count, BERT_SEQ), np.int64)
    labels = np.zeros(count, np.int64)

    def snippet(lang):
        doc, n = lang_ids[lang], int(rng.integers(8, 30))
        s = int(rng.integers(0, len(doc) - n))
        return list(doc[s : s + n])

    for i in range(count):
        la = langs[int(rng.integers(len(langs)))]
        if i % 2 == 0:
            lb = la
        else:
            group = next((g for g in RELATED if la in g), set())
            pool = sorted(group - {la}) if i % 4 == 1 and len(group) > 1 else [l for l in langs if l != la]
            lb = pool[int(rng.integers(len(pool)))]
        a, b = snippet(la), snippet(lb)
        seq = [2] + a + [3] + b + [3]
        ids[i, : len(seq)] = seq
        mask[i, : len(seq)] = 1
        types[i, len(a) + 2 : len(seq)] = 1
        labels[i] = LANGUAGES.index(lb)
    return ids, mask, types, labels


def train_bert():
    seed_all(6)
    log("bert: reading Debian's translated man pages")
    train_text, held_text = split_pages(man_pages())
    counts = {}
    for text in train_text.values():
        for w in words(text):
            counts[w] = counts.get(w, 0) + 1
    frequent = sorted(counts, key=lambda w: (-counts[w], w))[: BERT_WORDS - len(BERT_SPECIAL)]
    vocab = BERT_SPECIAL + frequent + [f"[HASH{i}]" for i in range(BERT_HASHES)]
    index = {w: i for i, w in enumerate(vocab)}

    def encode(text):
        return np.array([index.get(w, hashed(w)) for w in words(text)], np.int64)

    train_docs = {l: encode(t) for l, t in train_text.items()}
    held_docs = {l: encode(t) for l, t in held_text.items()}
    sizes = {l: (len(train_docs[l]), len(held_docs[l])) for l in LANGUAGES}
    log(f"  vocab {len(vocab)}; tokens per language (train, held-out): {sizes}")
    rng = np.random.default_rng(7)
    model = Bert(len(vocab), labels=len(LANGUAGES))
    log(f"  {params(model)} parameters")

    def batch(_step):
        return [torch.from_numpy(a) for a in bert_pairs(train_docs, 16, rng)]

    def loss_of(m, b):
        return F.cross_entropy(m(b[0], b[1], b[2]), b[3])

    train_loop(model, batch, int(os.environ.get("BERT_STEPS", 3000)), float(os.environ.get("BERT_LR", 1e-3)), loss_of, "bert")
    held = bert_pairs(held_docs, BERT_HELDOUT, np.random.default_rng(8))
    calib = bert_pairs(train_docs, CALIB_SAMPLES, np.random.default_rng(9))
    with torch.no_grad():
        logits = model(*(torch.from_numpy(a) for a in held[:3]))
    acc = float((logits.argmax(-1).numpy() == held[3]).mean())
    log(f"  bert held-out pair accuracy {acc:.4f}")
    out = os.path.join(OUT, "bert")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    export(
        model,
        tuple(torch.from_numpy(a[:2]) for a in held[:3]),
        names,
        ["logits"],
        {**axes, "logits": {0: "batch"}},
        os.path.join(out, "onnx", "model.onnx"),
    )
    write_calib(
        os.path.join(out, "calib"),
        [{n: calib[k][i : i + 1] for k, n in enumerate(names)} for i in range(CALIB_SAMPLES)],
    )
    write_npy(
        os.path.join(out, "heldout"),
        {
            "input_ids": held[0].astype(np.uint16),
            "attention_mask": held[1].astype(np.uint8),
            "token_type_ids": held[2].astype(np.uint8),
            "labels": held[3].astype(np.uint8),
        },
    )
    with open(os.path.join(out, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab) + "\n")
    write_json(
        os.path.join(out, "config.json"),
        {
            "model_type": "bert",
            "vocab_size": len(vocab),
            "max_position_embeddings": BERT_SEQ,
            "type_vocab_size": 2,
            "id2label": dict(enumerate(LANGUAGES)),
            "languages": LANGUAGES,
            "task": "[CLS] A [SEP] B [SEP]: which language is snippet B in? (A: a distractor)",
        },
    )
    write_json(
        os.path.join(out, "metrics.json"),
        {
            "metric": "language-of-B accuracy",
            "fp32": acc,
            "heldout": "heldout/*.npy: ids uint16, masks uint8 [N, 64]; labels uint8 [N]",
            "count": int(len(held[3])),
        },
    )


# ---------------------------------------------------------------------------------------------
# ViT: character classification on images rendered by scripts/render-transformer-images.ts.

VIT_RAW = os.path.join(ROOT, "out", "transformers-images")
VIT_PATCH = int(os.environ.get("VIT_PATCH", 7))


class Vit(nn.Module):
    def __init__(self, classes, size=28, patch=4, d=64, layers=3, heads=4, ffn=128):
        super().__init__()
        self.patch = nn.Conv2d(1, d, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(torch.randn(1, (size // patch) ** 2 + 1, d) * 0.02)
        self.blocks = nn.ModuleList(Block(d, heads, ffn, False) for _ in range(layers))
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, classes)

    def forward(self, pixel_values):
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos
        for blk in self.blocks:
            x = blk(x, 0.0)
        return self.head(self.ln(x[:, 0]))


def vit_pixels(u8):
    """uint8 [N, 28, 28] -> float32 [N, 1, 28, 28] in [-1, 1], as (x / 255 - 0.5) / 0.5."""
    return ((u8.astype(np.float32) / 255.0 - 0.5) / 0.5)[:, None]


def train_vit():
    seed_all(10)
    meta_path = os.path.join(VIT_RAW, "meta.json")
    if not os.path.exists(meta_path):
        sys.exit(f"vit: run `npx tsx scripts/render-transformer-images.ts` first ({meta_path})")
    with open(meta_path) as f:
        meta = json.load(f)
    sets = {k: (np.load(os.path.join(VIT_RAW, f"{k}-images.npy")), np.load(os.path.join(VIT_RAW, f"{k}-labels.npy"))) for k in ("train", "calib", "heldout")}
    x_train = torch.from_numpy(vit_pixels(sets["train"][0]))
    y_train = torch.from_numpy(sets["train"][1].astype(np.int64))
    classes = meta["classes"]
    model = Vit(len(classes), patch=VIT_PATCH)
    log(f"vit: {len(x_train)} training images, {len(classes)} classes, {params(model)} parameters")
    rng = np.random.default_rng(11)

    def batch(_step):
        i = torch.from_numpy(rng.integers(0, len(x_train), 32))
        return x_train[i], y_train[i]

    def loss_of(m, b):
        return F.cross_entropy(m(b[0]), b[1])

    train_loop(model, batch, int(os.environ.get("VIT_STEPS", 3000)), 2e-3, loss_of, "vit")
    held_x, held_y = sets["heldout"]
    with torch.no_grad():
        logits = model(torch.from_numpy(vit_pixels(held_x)))
    acc = float((logits.argmax(-1).numpy() == held_y).mean())
    log(f"  vit held-out character accuracy {acc:.4f}")
    out = os.path.join(OUT, "vit")
    export(
        model,
        (torch.from_numpy(vit_pixels(held_x[:2])),),
        ["pixel_values"],
        ["logits"],
        {"pixel_values": {0: "batch"}, "logits": {0: "batch"}},
        os.path.join(out, "onnx", "model.onnx"),
    )
    calib_x = vit_pixels(sets["calib"][0])
    write_calib(os.path.join(out, "calib"), [{"pixel_values": calib_x[i : i + 1]} for i in range(len(calib_x))])
    write_npy(os.path.join(out, "heldout"), {"images": held_x.astype(np.uint8), "labels": held_y.astype(np.uint8)})
    write_json(
        os.path.join(out, "config.json"),
        {
            "model_type": "vit",
            "image_size": 28,
            "patch_size": VIT_PATCH,
            "num_channels": 1,
            "id2label": {str(i): c for i, c in enumerate(classes)},
            "preprocessing": "grayscale uint8 -> (x / 255 - 0.5) / 0.5",
            "task": "which character is rendered in the 28 x 28 image",
        },
    )
    write_json(
        os.path.join(out, "metrics.json"),
        {
            "metric": "character accuracy",
            "fp32": acc,
            "heldout": "heldout/images.npy uint8 [N, 28, 28], labels.npy uint8 [N]",
            "count": int(len(held_y)),
            "fonts": meta["fonts"],
        },
    )


if __name__ == "__main__":
    chosen = sys.argv[1:] or ["bert", "gpt", "vit"]
    for name in chosen:
        {"bert": train_bert, "gpt": train_gpt, "vit": train_vit}[name]()
