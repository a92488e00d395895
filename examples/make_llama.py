#!/usr/bin/env python3
"""Write a small Llama-style model as MLIR text, with seeded random weights inline.

    python examples/make_llama.py llama.mlir                  # ~4 MB, compiles in seconds
    python examples/make_llama.py big.mlir --size 1GB         # for benchmarks
    python examples/make_llama.py c.mlir --weights constants  # arith.constant in each function

The model: token embedding, per layer RMSNorm + attention with a KV cache + RMSNorm +
SiLU-gated FFN, final RMSNorm, LM head. Two functions:

    prefill(tokens: tensor<S x i32>) -> (logits S x V, k_cache L x S x H, v_cache L x S x H)
    decode(token: tensor<1 x i32>, k_cache L x S x H, v_cache L x S x H)
        -> (logits 1 x V, k_cache, v_cache)       # the cache is a sliding window of S rows

Token ids are clamped to the vocabulary, so any random i32 input is valid. Weights are
`util.global` initial values named like `@layers.0.attn.wq` (or, with `--weights constants`,
`arith.constant`s inside each function, so every blob appears twice). The file is written
in a stream; memory stays small whatever the size.

Every op carries a name location of the module it belongs to, as a PyTorch export
names them: `loc("model.layers.0.self_attn.q_proj")`, `model.layers.0.mlp.down_proj`,
`model.layers.0` (the residual adds), `model.norm`, `lm_head`. `irtools hotspots RUN --by
layer` rolls dispatch times up by these names.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import re
import sys
import zlib

import numpy as np

ROWS_PER_CHUNK = 1 << 20  # elements per hex chunk written at a time


@dataclasses.dataclass(frozen=True)
class Config:
    vocab: int = 512
    hidden: int = 128
    heads: int = 2
    ffn: int = 384
    layers: int = 2
    seq: int = 32
    seed: int = 0
    weights: str = "globals"  # or "constants"

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    def weight_shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        h, f = self.hidden, self.ffn
        shapes = [("embed.weight", (self.vocab, h))]
        for i in range(self.layers):
            p = f"layers.{i}."
            shapes += [(p + "attn_norm", (h,)), (p + "attn.wq", (h, h)), (p + "attn.wk", (h, h)),
                       (p + "attn.wv", (h, h)), (p + "attn.wo", (h, h)), (p + "ffn_norm", (h,)),
                       (p + "ffn.w_gate", (h, f)), (p + "ffn.w_up", (h, f)),
                       (p + "ffn.w_down", (f, h))]
        return shapes + [("final_norm", (h,)), ("lm_head", (h, self.vocab))]

    def weight_bytes(self) -> int:
        return sum(4 * math.prod(s) for _, s in self.weight_shapes())

    def file_bytes(self) -> int:
        copies = 2 if self.weights == "constants" else 1
        return 2 * self.weight_bytes() * copies + 60_000


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*([\d.]+)\s*([kmgt]?)i?b?\s*", text.lower())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (expected e.g. 4MB, 1.5GB)")
    return int(float(m.group(1)) * 1024 ** " kmgt".index(m.group(2) or " "))


def config_for_size(size: int, **fixed) -> Config:
    """The Config whose file size is closest to `size` bytes; `fixed` fields are kept."""
    best = None
    for hidden in range(64, 8193, 64):
        dims = dict(hidden=hidden, heads=max(1, hidden // 64), ffn=3 * hidden, vocab=4 * hidden,
                    layers=min(32, max(2, hidden // 128)))
        dims.update({k: v for k, v in fixed.items() if v is not None})
        cfg = Config(**dims)
        if cfg.hidden % cfg.heads:
            continue
        err = abs(math.log(cfg.file_bytes() / size))
        if best is None or err < best[0]:
            best = (err, cfg)
    return best[1]


def _ty(shape, elem="f32") -> str:
    return "tensor<" + "".join(f"{d}x" for d in shape) + elem + ">"


def _weight_values(cfg: Config, name: str, shape):
    """Yield the weight's float32 values in chunks; seeded by name, so order does not matter."""
    rng = np.random.default_rng([cfg.seed, zlib.crc32(name.encode())])
    n = math.prod(shape)
    norm = len(shape) == 1
    scale = 0.1 if norm else 1.0 / math.sqrt(shape[0])
    for start in range(0, n, ROWS_PER_CHUNK):
        values = rng.standard_normal(min(ROWS_PER_CHUNK, n - start), dtype=np.float32) * scale
        yield (values + 1.0 if norm else values).astype("<f4")


def _write_dense(out, cfg, name, shape):
    out.write('dense<"0x')
    for values in _weight_values(cfg, name, shape):
        out.write(values.tobytes().hex().upper())
    out.write(f'"> : {_ty(shape)}')


class _Body:
    """Emits one function body: fresh SSA names, and the linalg idioms the model uses."""

    def __init__(self, out, cfg: Config):
        self.out, self.cfg, self.n = out, cfg, 0
        self.scope = "model"   # the module the next ops belong to, for their locations

    def loc(self) -> str:
        return f' loc("{self.scope}")'

    def name(self, base):
        self.n += 1
        return f"%{base}{self.n}"

    def line(self, text):
        self.out.write("    " + text + ("" if text.startswith("//") else self.loc()) + "\n")

    def weight(self, name, shape):
        v = self.name("w")
        if self.cfg.weights == "constants":
            self.out.write(f"    {v} = arith.constant ")
            _write_dense(self.out, self.cfg, name, shape)
            self.out.write(self.loc() + "\n")
        else:
            self.line(f"{v} = util.global.load @{name} : {_ty(shape)}")
        return v

    def zeros(self, shape):
        e, c, f = self.name("empty"), self.name("zero"), self.name("fill")
        self.line(f"{e} = tensor.empty() : {_ty(shape)}")
        self.line(f"{c} = arith.constant 0.000000e+00 : f32")
        self.line(f"{f} = linalg.fill ins({c} : f32) outs({e} : {_ty(shape)}) -> {_ty(shape)}")
        return f

    def generic(self, maps, iters, ins, out_shape, body, out_init=None, elem="f32"):
        """`ins` are (value, type) pairs; `body` gets block arg names and returns lines + result."""
        if out_init is None:
            out_init = self.name("empty")
            self.line(f"{out_init} = tensor.empty() : {_ty(out_shape, elem)}")
        r = self.name("g")
        maps_s = ", ".join(f"affine_map<{m}>" for m in maps)
        iters_s = ", ".join(f'"{i}"' for i in iters)
        in_vals = ", ".join(v for v, _ in ins)
        in_tys = ", ".join(t for _, t in ins)
        args = [f"%b{i}" for i in range(len(ins) + 1)]
        in_elems = [re.fullmatch(r"tensor<(?:\d+x)*(\w+)>", t).group(1) for _, t in ins]
        self.out.write(f"    {r} = linalg.generic {{indexing_maps = [{maps_s}], iterator_types = [{iters_s}]}} "
                       f"ins({in_vals} : {in_tys}) outs({out_init} : {_ty(out_shape, elem)}) {{\n")
        sig = ", ".join(f"{a}: {t}" for a, t in zip(args, in_elems + [elem]))
        self.out.write(f"    ^bb0({sig}):\n")
        lines, result = body(*args)
        for text in lines:  # body ops too: a fused body keeps each op's origin
            self.out.write("      " + text + self.loc() + "\n")
        self.out.write(f"      linalg.yield {result} : {elem}{self.loc()}\n    }} -> {_ty(out_shape, elem)}"
                       f"{self.loc()}\n")
        return r

    def matmul(self, a, b, m, k, n):
        acc = self.zeros((m, n))
        r = self.name("mm")
        self.line(f"{r} = linalg.matmul ins({a}, {b} : {_ty((m, k))}, {_ty((k, n))}) "
                  f"outs({acc} : {_ty((m, n))}) -> {_ty((m, n))}")
        return r

    def embed(self, tokens, rows):
        cfg = self.cfg
        table = self.weight("embed.weight", (cfg.vocab, cfg.hidden))

        def body(t, _o):
            return [f"%i = arith.index_cast {t} : i32 to index",
                    "%lo = arith.constant 0 : index",
                    f"%hi = arith.constant {cfg.vocab - 1} : index",
                    "%i1 = arith.maxsi %i, %lo : index",
                    "%i2 = arith.minsi %i1, %hi : index",
                    "%j = linalg.index 1 : index",
                    f"%v = tensor.extract {table}[%i2, %j] : {_ty((cfg.vocab, cfg.hidden))}"], "%v"

        return self.generic(["(d0, d1) -> (d0)", "(d0, d1) -> (d0, d1)"], ["parallel", "parallel"],
                            [(tokens, _ty((rows,), "i32"))], (rows, cfg.hidden), body)

    def rmsnorm(self, x, rows, weight_name):
        h = self.cfg.hidden
        w = self.weight(weight_name, (h,))
        ss = self.generic(["(d0, d1) -> (d0, d1)", "(d0, d1) -> (d0)"], ["parallel", "reduction"],
                          [(x, _ty((rows, h)))], (rows,),
                          lambda a, acc: (["%sq = arith.mulf %b0, %b0 : f32",
                                           "%s = arith.addf %sq, %b1 : f32"], "%s"),
                          out_init=self.zeros((rows,)))
        return self.generic(
            ["(d0, d1) -> (d0, d1)", "(d0, d1) -> (d0)", "(d0, d1) -> (d1)", "(d0, d1) -> (d0, d1)"],
            ["parallel", "parallel"], [(x, _ty((rows, h))), (ss, _ty((rows,))), (w, _ty((h,)))],
            (rows, h),
            lambda a, s, g, o: ([f"%n = arith.constant {float(h):e} : f32",
                                 "%eps = arith.constant 1.000000e-05 : f32",
                                 f"%m = arith.divf {s}, %n : f32", "%me = arith.addf %m, %eps : f32",
                                 "%r = math.rsqrt %me : f32", f"%t = arith.mulf {a}, %r : f32",
                                 f"%u = arith.mulf %t, {g} : f32"], "%u"))

    def add(self, a, b, shape):
        ident = "(d0, d1) -> (d0, d1)"
        return self.generic([ident] * 3, ["parallel", "parallel"],
                            [(a, _ty(shape)), (b, _ty(shape))], shape,
                            lambda x, y, o: ([f"%s = arith.addf {x}, {y} : f32"], "%s"))

    def attention(self, q, k, v, rows, keys, causal):
        """softmax(q k^T / sqrt(d) [+ causal mask]) v, written out with generics and softmax."""
        cfg = self.cfg
        nh, hd, h = cfg.heads, cfg.head_dim, cfg.hidden
        q3, k3, v3 = self.name("q"), self.name("k"), self.name("v")
        for src, dst, n in ((q, q3, rows), (k, k3, keys), (v, v3, keys)):
            self.line(f"{dst} = tensor.expand_shape {src} [[0], [1, 2]] output_shape [{n}, {nh}, {hd}] "
                      f": {_ty((n, h))} into {_ty((n, nh, hd))}")
        def mac(a, b, c):
            return [f"%m = arith.mulf {a}, {b} : f32", f"%s = arith.addf %m, {c} : f32"], "%s"

        red4 = ["parallel", "parallel", "parallel", "reduction"]
        scores = self.generic(["(d0, d1, d2, d3) -> (d1, d0, d3)", "(d0, d1, d2, d3) -> (d2, d0, d3)",
                               "(d0, d1, d2, d3) -> (d0, d1, d2)"], red4,
                              [(q3, _ty((rows, nh, hd))), (k3, _ty((keys, nh, hd)))], (nh, rows, keys),
                              mac, out_init=self.zeros((nh, rows, keys)))
        scale = 1.0 / math.sqrt(hd)

        def scale_mask(s, o):
            lines = [f"%sc = arith.constant {scale:e} : f32", f"%r = arith.mulf {s}, %sc : f32"]
            if not causal:
                return lines, "%r"
            return lines + ["%i = linalg.index 1 : index", "%j = linalg.index 2 : index",
                            "%c = arith.cmpi ugt, %j, %i : index",
                            "%ninf = arith.constant 0xFF800000 : f32",
                            "%m = arith.select %c, %ninf, %r : f32"], "%m"

        ident3 = "(d0, d1, d2) -> (d0, d1, d2)"
        scaled = self.generic([ident3, ident3], ["parallel"] * 3, [(scores, _ty((nh, rows, keys)))],
                              (nh, rows, keys), scale_mask)
        e, p = self.name("empty"), self.name("softmax")
        self.line(f"{e} = tensor.empty() : {_ty((nh, rows, keys))}")
        self.line(f"{p} = linalg.softmax dimension(2) ins({scaled} : {_ty((nh, rows, keys))}) "
                  f"outs({e} : {_ty((nh, rows, keys))}) -> {_ty((nh, rows, keys))}")
        o3 = self.generic(["(d0, d1, d2, d3) -> (d1, d0, d3)", "(d0, d1, d2, d3) -> (d3, d1, d2)",
                           "(d0, d1, d2, d3) -> (d0, d1, d2)"], red4,
                          [(p, _ty((nh, rows, keys))), (v3, _ty((keys, nh, hd)))], (rows, nh, hd),
                          mac, out_init=self.zeros((rows, nh, hd)))
        o = self.name("attn")
        self.line(f"{o} = tensor.collapse_shape {o3} [[0], [1, 2]] : {_ty((rows, nh, hd))} into {_ty((rows, h))}")
        return o

    def ffn(self, x, rows, prefix):
        cfg = self.cfg
        h, f = cfg.hidden, cfg.ffn
        mlp = f"model.{prefix}mlp"
        self.scope = mlp + ".gate_proj"
        gate = self.matmul(x, self.weight(prefix + "ffn.w_gate", (h, f)), rows, h, f)
        self.scope = mlp + ".up_proj"
        up = self.matmul(x, self.weight(prefix + "ffn.w_up", (h, f)), rows, h, f)
        ident = "(d0, d1) -> (d0, d1)"
        self.scope = mlp + ".act_fn"
        act = self.generic([ident] * 3, ["parallel", "parallel"], [(gate, _ty((rows, f))), (up, _ty((rows, f)))],
                           (rows, f),
                           lambda g, u, o: (["%one = arith.constant 1.000000e+00 : f32",
                                             f"%ng = arith.negf {g} : f32", "%ex = math.exp %ng : f32",
                                             "%den = arith.addf %ex, %one : f32",
                                             f"%sg = arith.divf {g}, %den : f32",
                                             f"%r = arith.mulf %sg, {u} : f32"], "%r"))
        self.scope = mlp + ".down_proj"
        return self.matmul(act, self.weight(prefix + "ffn.w_down", (f, h)), rows, f, h)

    def head(self, x, rows):
        cfg = self.cfg
        self.scope = "model.norm"
        x = self.rmsnorm(x, rows, "final_norm")
        self.scope = "lm_head"
        return self.matmul(x, self.weight("lm_head", (cfg.hidden, cfg.vocab)), rows, cfg.hidden, cfg.vocab)


def _write_prefill(out, cfg: Config):
    s, h, n = cfg.seq, cfg.hidden, cfg.layers
    cache = _ty((n, s, h))
    out.write(f"  func.func @prefill(%tokens: {_ty((s,), 'i32')}) -> ({_ty((s, cfg.vocab))}, {cache}, {cache}) {{\n")
    b = _Body(out, cfg)
    b.scope = "model.embed_tokens"
    x = b.embed("%tokens", s)
    b.scope = "model"
    k_all, v_all = b.name("kcache"), b.name("vcache")
    b.line(f"{k_all} = tensor.empty() : {cache}")
    b.line(f"{v_all} = tensor.empty() : {cache}")
    for i in range(n):
        p, m = f"layers.{i}.", f"model.layers.{i}"
        b.line(f"// ---- layer {i} ----")
        b.scope = m + ".input_layernorm"
        xn = b.rmsnorm(x, s, p + "attn_norm")
        q, k, v = (_projection(b, xn, p, m, c, s) for c in "qkv")
        b.scope = m + ".self_attn"
        k_all = _store_layer(b, k, k_all, i, s, h, cache)
        v_all = _store_layer(b, v, v_all, i, s, h, cache)
        a = b.attention(q, k, v, s, s, causal=True)
        o = _projection(b, a, p, m, "o", s)
        b.scope = m
        x = b.add(x, o, (s, h))
        b.scope = m + ".post_attention_layernorm"
        xn = b.rmsnorm(x, s, p + "ffn_norm")
        f = b.ffn(xn, s, p)
        b.scope = m
        x = b.add(x, f, (s, h))
    logits = b.head(x, s)
    b.scope = "model"
    b.line(f"return {logits}, {k_all}, {v_all} : {_ty((s, cfg.vocab))}, {cache}, {cache}")
    out.write("  }\n")


def _projection(b, x, p, m, which, rows) -> str:
    """x @ W{which}, located as the layer's `self_attn.{which}_proj`."""
    b.scope = f"{m}.self_attn.{which}_proj"
    h = b.cfg.hidden
    return b.matmul(x, b.weight(p + f"attn.w{which}", (h, h)), rows, h, h)


def _store_layer(b, src, into, layer, s, h, cache) -> str:
    """Write one layer's (s, h) keys or values into the cache; returns the new cache value."""
    dst = b.name("cache")
    b.line(f"{dst} = tensor.insert_slice {src} into {into}[{layer}, 0, 0] [1, {s}, {h}] [1, 1, 1] "
           f": {_ty((s, h))} into {cache}")
    return dst


def _write_decode(out, cfg: Config):
    s, h, n = cfg.seq, cfg.hidden, cfg.layers
    cache = _ty((n, s, h))
    out.write(f"  func.func @decode(%token: {_ty((1,), 'i32')}, %k_cache: {cache}, %v_cache: {cache}) "
              f"-> ({_ty((1, cfg.vocab))}, {cache}, {cache}) {{\n")
    b = _Body(out, cfg)
    b.scope = "model.embed_tokens"
    x = b.embed("%token", 1)
    b.scope = "model"
    k_out, v_out = b.name("kcache"), b.name("vcache")
    b.line(f"{k_out} = tensor.empty() : {cache}")
    b.line(f"{v_out} = tensor.empty() : {cache}")
    for i in range(n):
        p, m = f"layers.{i}.", f"model.layers.{i}"
        b.line(f"// ---- layer {i} ----")
        b.scope = m + ".input_layernorm"
        xn = b.rmsnorm(x, 1, p + "attn_norm")
        q, k, v = (_projection(b, xn, p, m, c, 1) for c in "qkv")
        b.scope = m + ".self_attn"
        full = {}
        for new, old, tag in ((k, "%k_cache", "k"), (v, "%v_cache", "v")):
            past, whole, window = b.name(tag + "past"), b.name(tag + "full"), b.name(tag + "window")
            b.line(f"{past} = tensor.extract_slice {old}[{i}, 0, 0] [1, {s}, {h}] [1, 1, 1] "
                   f": {cache} to {_ty((s, h))}")
            b.line(f"{whole} = tensor.concat dim(0) {past}, {new} "
                   f": ({_ty((s, h))}, {_ty((1, h))}) -> {_ty((s + 1, h))}")
            b.line(f"{window} = tensor.extract_slice {whole}[1, 0] [{s}, {h}] [1, 1] "
                   f": {_ty((s + 1, h))} to {_ty((s, h))}")
            full[tag] = whole
            if tag == "k":
                k_out = _store_layer(b, window, k_out, i, s, h, cache)
            else:
                v_out = _store_layer(b, window, v_out, i, s, h, cache)
        a = b.attention(q, full["k"], full["v"], 1, s + 1, causal=False)
        o = _projection(b, a, p, m, "o", 1)
        b.scope = m
        x = b.add(x, o, (1, h))
        b.scope = m + ".post_attention_layernorm"
        xn = b.rmsnorm(x, 1, p + "ffn_norm")
        f = b.ffn(xn, 1, p)
        b.scope = m
        x = b.add(x, f, (1, h))
    logits = b.head(x, 1)
    b.scope = "model"
    b.line(f"return {logits}, {k_out}, {v_out} : {_ty((1, cfg.vocab))}, {cache}, {cache}")
    out.write("  }\n")


def write_model(out, cfg: Config):
    """Write the whole module to the text stream `out`."""
    fields = " ".join(f"{f.name}={getattr(cfg, f.name)}" for f in dataclasses.fields(cfg))
    out.write(f"// llama-style model: {fields} weight_bytes={cfg.weight_bytes()}\n")
    out.write("module @llama {\n")
    if cfg.weights == "globals":
        for name, shape in cfg.weight_shapes():
            out.write(f"  util.global private @{name} = ")
            _write_dense(out, cfg, name, shape)
            out.write("\n")
    _write_prefill(out, cfg)
    _write_decode(out, cfg)
    out.write("}\n")


def generate(path, *, size: int | None = None, **fields) -> Config:
    """Write a model to `path`; `size` (file bytes) picks the dimensions not given in `fields`."""
    cfg = config_for_size(size, **fields) if size else Config(**fields)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", buffering=1 << 22) as out:
        write_model(out, cfg)
    return cfg


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="example: python examples/make_llama.py llama.mlir --size 64MB --seed 1",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", help="the .mlir file to write")
    parser.add_argument("--size", type=parse_size,
                        help="approximate file size (e.g. 4MB, 1GB); picks the dimensions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", choices=["globals", "constants"], default="globals",
                        help="util.global initial values (default) or arith.constant in each function")
    for dim in ("vocab", "hidden", "heads", "ffn", "layers", "seq"):
        parser.add_argument(f"--{dim}", type=int)
    args = parser.parse_args(argv)
    fields = {k: getattr(args, k) for k in ("vocab", "hidden", "heads", "ffn", "layers", "seq")
              if getattr(args, k) is not None}
    cfg = generate(args.output, size=args.size, seed=args.seed, weights=args.weights, **fields)
    print(f"{args.output}: {cfg} ({cfg.weight_bytes() / 2**20:.1f} MiB of weights)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
