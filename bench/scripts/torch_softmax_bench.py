#!/usr/bin/env python3
"""torch over the `softmax-engine bench` sweep on a CUDA GPU, timed with CUDA events.

Runs torch.softmax, log_softmax, logsumexp and sigmoid (last axis) over the shapes, ops and dtypes
of an earlier bench run, plus a device-to-device copy as the GPU's ceiling, and writes JSON that
`bin/softmax-engine-bench --merge` folds into the report (as contender "torch", with the ratio of
each device backend to it). GB/s and fractions are computed by the report, not here.

    bin/softmax-engine-bench --out run                 # on the GPU machine: the sweep's shapes
    python3 bench/scripts/torch_softmax_bench.py --shapes-from run/results.json --out torch.json
    bin/softmax-engine-bench --from run/results.json --merge torch.json --out run

engine-cuda/scripts/gpu-check.sh runs these three steps on a GPU host.

Each case warms up until its times settle (0.2 s to 2 s), then takes samples of one call between two
CUDA events for at least 0.5 s and 10 samples (at most 500); min, median and max are reported.
"""
import argparse
import json
import statistics
import sys
import time

SCHEMA = "softmax-engine-torch/1"
DTYPES = {"float32": "float32", "float64": "float64"}
WINDOW = 3
SETTLED = 0.05


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes-from", metavar="RESULTS_JSON", required=True,
                   help="results.json of a bench run: its (op, dtype, shape) cases are measured")
    p.add_argument("--out", metavar="TORCH_JSON", required=True, help="where to write the JSON")
    p.add_argument("--device", default="cuda", help="torch device (default: cuda)")
    p.add_argument("--copy-mib", type=int, default=1024,
                   help="size of each array of the device copy ceiling, MiB (default: 1024)")
    p.add_argument("--min-warmup", type=float, default=0.2, help="seconds (default: 0.2)")
    p.add_argument("--max-warmup", type=float, default=2.0, help="seconds (default: 2.0)")
    p.add_argument("--min-measure", type=float, default=0.5, help="seconds (default: 0.5)")
    p.add_argument("--min-samples", type=int, default=10, help="(default: 10)")
    p.add_argument("--max-samples", type=int, default=500, help="(default: 500)")
    return p.parse_args()


def cases_of(results_json):
    """The distinct (op, dtype, batch, rows, cols) that the bench run measured itself."""
    with open(results_json, encoding="utf-8") as f:
        report = json.load(f)
    if report.get("schema") not in ("softmax-engine-bench/1", "softmax-engine-bench/2"):
        sys.exit(f"{results_json}: schema must be softmax-engine-bench/1 or /2, was {report.get('schema')!r}")
    seen = []
    for r in report["results"]:
        key = (r["op"], r["dtype"], r["batch"], r["rows"], r["cols"])
        if r["source"] == "suite" and key not in seen:
            seen.append(key)
    return seen


def op_fn(torch, name):
    """The torch call for a bench op name, or None for one torch has no direct op for."""
    f = torch.nn.functional
    return {
        "softmax": lambda x: torch.softmax(x, dim=-1),
        "log-softmax": lambda x: torch.log_softmax(x, dim=-1),
        "logsumexp": lambda x: torch.logsumexp(x, dim=-1),
        "sigmoid": torch.sigmoid,
        "log-sigmoid": f.logsigmoid,
    }.get(name)


def timed(torch, fn):
    """Device ms of one call, between two CUDA events."""
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end)


def measure(torch, fn, args):
    begin = time.perf_counter()
    warm = []
    while True:
        elapsed = time.perf_counter() - begin
        settled = len(warm) >= 2 * WINDOW and abs(
            statistics.median(warm[-WINDOW:]) - statistics.median(warm[-2 * WINDOW:-WINDOW])
        ) <= SETTLED * statistics.median(warm[-2 * WINDOW:-WINDOW])
        if elapsed >= args.max_warmup or (elapsed >= args.min_warmup and settled):
            break
        warm.append(timed(torch, fn))
    samples = []
    begin = time.perf_counter()
    while len(samples) < args.max_samples and (
            len(samples) < args.min_samples or time.perf_counter() - begin < args.min_measure):
        # Events resolve about half a microsecond; a zero means "below that".
        samples.append(max(timed(torch, fn), 1e-4))
    return {"count": len(samples), "minMs": min(samples), "medianMs": statistics.median(samples),
            "maxMs": max(samples)}


def main():
    args = parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("torch is not installed: pip install torch (a CUDA build)")
    if not args.device.startswith("cuda") or not torch.cuda.is_available():
        sys.exit(f"needs a CUDA device for CUDA events; torch sees none (device {args.device!r})")
    device = torch.device(args.device)
    cases = cases_of(args.shapes_from)

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
           "ceiling": copy, "results": results}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2)
    print(f"wrote {len(results)} results and the device copy ceiling "
          f"({copy['bytes'] / (copy['minMs'] * 1e6):.0f} GB/s) to {args.out}")


if __name__ == "__main__":
    main()
