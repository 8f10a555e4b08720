#!/usr/bin/env python3
"""torch over the `softmax-engine bench` sweep, on a CUDA GPU (CUDA events) or on the CPU.

Runs torch.softmax, log_softmax, logsumexp and sigmoid (last axis), and on the CPU also torch.topk
and a sampler, over the shapes, ops and dtypes of an earlier bench run, and writes JSON that
`bin/softmax-engine-bench --merge` folds into the report. GB/s and fractions are computed by the
report, not here.

On a GPU (--device cuda, the default) it adds a device-to-device copy as the GPU's ceiling; its
results become contender "torch", beside which each device backend gets a ratio:

    bin/softmax-engine-bench --out run                 # on the GPU machine: the sweep's shapes
    python3 bench/scripts/torch_softmax_bench.py --shapes-from run/results.json --out torch.json
    bin/softmax-engine-bench --from run/results.json --merge torch.json --out run

engine-cuda/scripts/gpu-check.sh runs these three steps on a GPU host.

On the CPU (--device cpu) it runs at each thread count of the run's plan (torch.set_num_threads,
or --threads), timed with time.perf_counter in groups of calls of at least --min-sample seconds;
its results become "torch x1", "torch x2" ..., bound by the run's CPU roofs, beside which "simd xT"
gets a ratio. top-k is torch.topk(x, k, sorted=True); sample is what torch users write (the
recipe of Hugging Face's logits warpers): x / T, top-k masking when the plan's top-k is set, top-p
masking by sort + softmax + cumsum, min-p masking, softmax, torch.multinomial(probs, 1). 16-bit
inputs are x.to(torch.bfloat16 / float16) where torch's CPU kernels take them. These times come
from another process after the bench run, not interleaved with its contenders: run it right after
the bench run, twice, to see its spread.

    bin/softmax-engine-bench --quick --ops top-k,sample --backend simd,onnxruntime --out run
    python3 bench/scripts/torch_softmax_bench.py --device cpu --quick --shapes-from run/results.json \
        --out torch-cpu.json
    bin/softmax-engine-bench --from run/results.json --merge torch-cpu.json --out run

Each case warms up until its times settle (0.2 s to 2 s), then takes samples (one call between two
CUDA events, or a group of calls on the CPU) for at least 0.5 s and 10 samples (at most 500); min,
median and max are reported. --quick uses the bench's --quick timing (0.04 s to 1 s of warm-up,
0.1 s and 3 samples, at most 50 and 1.5 s per case).
"""
import argparse
import json
import statistics
import sys
import time

SCHEMA = "softmax-engine-torch/2"
DTYPES = {"float32": "float32", "float64": "float64", "bfloat16": "bfloat16", "float16": "float16"}
# The bench's SelectionParams.DEFAULT, for results.json files that do not record them.
DEFAULT_SELECTION = {"k": 50, "temperature": 1.0, "topK": 0, "topP": 0.95, "minP": 0.0, "seed": 0}
WINDOW = 3
SETTLED = 0.05


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes-from", metavar="RESULTS_JSON", required=True,
                   help="results.json of a bench run: its (op, dtype, shape) cases are measured")
    p.add_argument("--out", metavar="TORCH_JSON", required=True, help="where to write the JSON")
    p.add_argument("--device", default="cuda", help="torch device: cuda (CUDA events) or cpu (default: cuda)")
    p.add_argument("--threads", default=None,
                   help="cpu: torch thread counts, e.g. 1,2 (default: the bench run's --threads)")
    p.add_argument("--quick", action="store_true", help="the bench's --quick timing")
    p.add_argument("--min-sample", type=float, default=1e-3,
                   help="cpu: seconds of calls per sample (default: 0.001; --quick: 0.0002)")
    p.add_argument("--max-case", type=float, default=10.0,
                   help="seconds of samples per case at most (default: 10; --quick: 1.5)")
    p.add_argument("--copy-mib", type=int, default=1024,
                   help="size of each array of the device copy ceiling, MiB (default: 1024)")
    p.add_argument("--min-warmup", type=float, default=0.2, help="seconds (default: 0.2)")
    p.add_argument("--max-warmup", type=float, default=2.0, help="seconds (default: 2.0)")
    p.add_argument("--min-measure", type=float, default=0.5, help="seconds (default: 0.5)")
    p.add_argument("--min-samples", type=int, default=10, help="(default: 10)")
    p.add_argument("--max-samples", type=int, default=500, help="(default: 500)")
    args = p.parse_args()
    if args.quick:
        args.min_warmup, args.max_warmup, args.min_measure = 0.04, 1.0, 0.1
        args.min_samples, args.max_samples, args.min_sample, args.max_case = 3, 50, 2e-4, 1.5
    return args


def read_run(results_json):
    """The bench run's report, checked."""
    with open(results_json, encoding="utf-8") as f:
        report = json.load(f)
    if report.get("schema") not in ("softmax-engine-bench/1", "softmax-engine-bench/2"):
        sys.exit(f"{results_json}: schema must be softmax-engine-bench/1 or /2, was {report.get('schema')!r}")
    return report


def cases_of(report):
    """The distinct (op, dtype, batch, rows, cols) that the bench run measured itself."""
    seen = []
    for r in report["results"]:
        key = (r["op"], r["dtype"], r["batch"], r["rows"], r["cols"])
        if r["source"] == "suite" and key not in seen:
            seen.append(key)
    return seen


def selection_of(report):
    """The run's top-k and sample parameters (the bench's defaults where it does not record them)."""
    chosen = dict(DEFAULT_SELECTION)
    chosen.update((report.get("plan") or {}).get("selection") or {})
    return chosen


def op_fn(torch, name, selection=None, generator=None):
    """The torch call for a bench op name, or None for one torch has no direct op for."""
    f = torch.nn.functional
    ops = {
        "softmax": lambda x: torch.softmax(x, dim=-1),
        "log-softmax": lambda x: torch.log_softmax(x, dim=-1),
        "logsumexp": lambda x: torch.logsumexp(x, dim=-1),
        "sigmoid": torch.sigmoid,
        "log-sigmoid": f.logsigmoid,
    }
    if selection is not None:
        k = int(selection["k"])
        ops["top-k"] = lambda x: torch.topk(x, k, dim=-1, largest=True, sorted=True)
        ops["sample"] = sampler(torch, selection, generator)
    return ops.get(name)


def sampler(torch, s, generator):
    """One draw per row as torch users write it: temperature, top-k, top-p, min-p, multinomial."""
    t, top_k, top_p, min_p = float(s["temperature"]), int(s["topK"]), float(s["topP"]), float(s["minP"])

    def sample(x):
        if t == 0:
            return torch.argmax(x, dim=-1, keepdim=True)
        logits = x / t if t != 1 else x
        if top_k > 0:
            kth = torch.topk(logits, top_k, dim=-1).values[..., -1, None]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        if top_p < 1:
            ascending, order = torch.sort(logits, dim=-1, descending=False)
            cumulative = ascending.softmax(dim=-1).cumsum(dim=-1)
            drop = cumulative <= (1 - top_p)
            drop[..., -1:] = False  # the most likely entry always stays
            logits = logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
        probs = torch.softmax(logits, dim=-1)
        if min_p > 0:
            probs = probs.masked_fill(probs < min_p * probs.amax(dim=-1, keepdim=True), 0)
        return torch.multinomial(probs, 1, generator=generator)

    return sample


def timed(torch, fn):
    """Device ms of one call, between two CUDA events."""
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end)


def host_timed(fn, group):
    """Host ms per call, the mean of a group of calls timed together with time.perf_counter."""
    start = time.perf_counter()
    for _ in range(group):
        fn()
    return max(time.perf_counter() - start, 1e-9) * 1e3 / group


def measure(torch, fn, args, cpu=False):
    begin = time.perf_counter()
    group = 1
    if cpu:
        fn()  # the cold call: allocations, first-touch
        group = max(1, min(1 << 20, round(args.min_sample / max(host_timed(fn, 1) / 1e3, 1e-9))))
    one = (lambda: host_timed(fn, group)) if cpu else (lambda: timed(torch, fn))
    warm = []
    while True:
        elapsed = time.perf_counter() - begin
        settled = len(warm) >= 2 * WINDOW and abs(
            statistics.median(warm[-WINDOW:]) - statistics.median(warm[-2 * WINDOW:-WINDOW])
        ) <= SETTLED * statistics.median(warm[-2 * WINDOW:-WINDOW])
        if elapsed >= args.max_warmup or (elapsed >= args.min_warmup and settled):
            break
        warm.append(one())
    samples = []
    begin = time.perf_counter()
    while len(samples) < args.max_samples and (
            len(samples) < args.min_samples or time.perf_counter() - begin < args.min_measure) and (
            not samples or time.perf_counter() - begin < args.max_case):
        # Events resolve about half a microsecond; a zero means "below that".
        samples.append(max(one(), 1e-4))
    return {"count": len(samples), "group": group, "minMs": min(samples), "medianMs": statistics.median(samples),
            "maxMs": max(samples)}


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "CPU"


def run_cpu(torch, args, report):
    """Every case at each thread count; a case torch's CPU kernels refuse (a 16-bit op) is skipped."""
    threads = ([int(t) for t in args.threads.split(",")] if args.threads
               else (report.get("plan") or {}).get("threads") or [1])
    selection = selection_of(report)
    generator = torch.Generator().manual_seed(int(selection["seed"]))
    cases = cases_of(report)
    results = []
    for t in threads:
        torch.set_num_threads(t)
        for i, (op, dtype, batch, rows, cols) in enumerate(cases):
            fn = op_fn(torch, op, selection, generator)
            if fn is None or dtype not in DTYPES:
                print(f"skipped {op} {dtype}: no direct torch op", file=sys.stderr)
                continue
            gen = torch.Generator().manual_seed(0x5EED50F7)
            x = ((torch.rand((rows, cols), generator=gen, dtype=torch.float64) * 2 - 1) * 8).to(getattr(torch, dtype))
            print(f"\r[{i + 1}/{len(cases)} x{t}] {op} {dtype} {rows}x{cols}      ", end="", file=sys.stderr, flush=True)
            try:
                fn(x)
            except RuntimeError as e:
                print(f"\nskipped {op} {dtype}: torch's CPU kernels refuse it: {str(e).splitlines()[0]}",
                      file=sys.stderr)
                continue
            m = measure(torch, lambda: fn(x), args, cpu=True)
            results.append({"op": op, "dtype": dtype, "batch": batch, "rows": rows, "cols": cols, "threads": t,
                            "k": int(selection["k"]) if op == "top-k" else 0, **m})
            del x
    print(file=sys.stderr)
    return {"schema": SCHEMA, "torch": torch.__version__, "device": f"{cpu_model()}, torch CPU", "memory": "host",
            "ceiling": None, "selection": selection, "results": results}


def main():
    args = parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("torch is not installed: Debian's python3-torch, or pip's torch (a CUDA build for --device cuda)")
    report = read_run(args.shapes_from)
    if args.device == "cpu":
        out = run_cpu(torch, args, report)
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
        print(f"wrote {len(out['results'])} torch CPU results to {args.out}")
        return
    if not args.device.startswith("cuda") or not torch.cuda.is_available():
        sys.exit(f"needs a CUDA device for CUDA events, or --device cpu; torch sees none (device {args.device!r})")
    device = torch.device(args.device)
    cases = cases_of(report)

    n = args.copy_mib << 20
    src = torch.ones(n, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    copy = measure(torch, lambda: dst.copy_(src), args)
    copy["bytes"] = 2 * n  # read + written, as STREAM and the CPU ceiling count it
    del src, dst

    generator = torch.Generator(device=device).manual_seed(0x5EED50F7)
    results = []
    for i, (op, dtype, batch, rows, cols) in enumerate(cases):
        fn = op_fn(torch, op)
        if fn is None or dtype not in DTYPES:
            print(f"skipped {op} {dtype}: no direct torch op", file=sys.stderr)
            continue
        x = (torch.rand((rows, cols), generator=generator, device=device, dtype=getattr(torch, dtype)) * 2 - 1) * 8
        print(f"\r[{i + 1}/{len(cases)}] {op} {dtype} {rows}x{cols}      ", end="", file=sys.stderr, flush=True)
        t = measure(torch, lambda: fn(x), args)
        results.append({"op": op, "dtype": dtype, "batch": batch, "rows": rows, "cols": cols, **t})
        del x
    print(file=sys.stderr)

    out = {"schema": SCHEMA, "torch": torch.__version__, "device": torch.cuda.get_device_name(device),
           "memory": "device", "ceiling": copy, "results": results}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2)
    print(f"wrote {len(results)} results and the device copy ceiling "
          f"({copy['bytes'] / (copy['minMs'] * 1e6):.0f} GB/s) to {args.out}")


if __name__ == "__main__":
    main()
