#!/usr/bin/env python3
"""torch.softmax / log_softmax / logsumexp on CUDA over the shapes of dev.softmaxengine.cuda.CudaBench,
timed the same way (CUDA events around calls queued back to back, median of the repetitions), written
as the same CSV so that `CudaBench --compare` can print the ratios.

    python3 engine-cuda/scripts/torch_softmax_bench.py [--shapes 4096x1024,1024x4096:0] [--csv torch.csv]
"""
import argparse
import statistics
import sys

DEFAULT_SHAPES = ("65536x32,16384x128,8192x512,4096x1024,4096x4096,1024x16384,"
                  "128x65536,16x262144,2x1048576,1x16777216,1024x4096:0")
HEADER = "impl,op,dtype,shape,dim,us_per_call,gbps"
REP_MILLIS = 25.0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", default="softmax,log-softmax,logsumexp")
    p.add_argument("--dtypes", default="f32,f64")
    p.add_argument("--shapes", default=DEFAULT_SHAPES)
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--csv")
    a = p.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("torch_softmax_bench: torch is not installed here")
    if not torch.cuda.is_available():
        sys.exit("torch_softmax_bench: torch sees no CUDA device")
    fns = {
        "softmax": lambda x, d: torch.softmax(x, d),
        "log-softmax": lambda x, d: torch.log_softmax(x, d),
        "logsumexp": lambda x, d: torch.logsumexp(x, d),
    }
    types = {"f32": torch.float32, "f64": torch.float64}
    rows = [HEADER]
    print("torch %s on %s" % (torch.__version__, torch.cuda.get_device_name()), file=sys.stderr)
    for spec in a.shapes.split(","):
        shape, _, dim = spec.strip().partition(":")
        r, c = (int(v) for v in shape.split("x"))
        dim = int(dim) if dim else -1
        for op in a.ops.split(","):
            for dt in a.dtypes.split(","):
                x = torch.randn(r, c, device="cuda", dtype=types[dt])
                us = measure(torch, lambda: fns[op](x, dim), a.reps)
                out = r * c // (r if dim == 0 else c) if op == "logsumexp" else r * c
                gbps = (r * c + out) * x.element_size() / us / 1e3
                row = "torch,%s,%s,%dx%d,%d,%.3f,%.1f" % (op, dt, r, c, dim, us, gbps)
                rows.append(row)
                print(row)
                del x
    if a.csv:
        with open(a.csv, "w") as f:
            f.write("\n".join(rows) + "\n")


def measure(torch, call, reps):
    call()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(3):
        call()
    end.record()
    end.synchronize()
    once = start.elapsed_time(end) / 3
    iters = int(min(10000, max(3, -(-REP_MILLIS // max(once, 1e-3)))))
    times = []
    for _ in range(reps):
        start.record()
        for _ in range(iters):
            call()
        end.record()
        end.synchronize()
        times.append(1e3 * start.elapsed_time(end) / iters)
    return statistics.median(times)


if __name__ == "__main__":
    main()
