"""PyTorch LeNet5 throughput baseline for bench/lenet5.bench.ts (issue #10).

The same network as node/problem/models/lenet5 (paper-spec 6.2): conv 1->6 5x5, ReLU, maxpool 2,
conv 6->16 5x5, ReLU, maxpool 2, fc 256->120->84->10 with ReLU, cross-entropy averaged over the
batch. One training step = forward + backward + plain SGD update (lr 0.01, no momentum), on a random
minibatch drawn from a fixed pool of synthetic N(0, 1) images, on ONE thread
(torch.set_num_threads(1)). Prints one JSON object on stdout:
  {"torch": "...", "threads": 1, "batch": 64, "results": [{"dtype": "float32", "samples_per_s": ...,
   "reps_s_per_step": [...]}, ...]}
The figure is the median over repetitions of at least --min-seconds each, after a warm-up.

With --serve the script instead warms up every dtype, prints {"ready": true, "torch": ...}, then
answers one line per request on stdin, "<dtype> <min_seconds>", with one timed repetition
{"dtype": ..., "s_per_step": ...}, until "quit": the bench interleaves these repetitions with its own
so load on a shared machine hits both sides alike.

  /usr/bin/python3 bench/baselines/pytorch-lenet5.py --batch 64 --dtypes float32,float64
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


class LeNet5(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(256, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def make_stepper(dtype, batch, pool, seed):
    """A closure running one SGD step on a fresh random minibatch; returns the loss tensor."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = LeNet5().to(dtype)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == 44426, n_params
    images = torch.randn(pool, 1, 28, 28, generator=gen, dtype=dtype)
    labels = torch.randint(0, 10, (pool,), generator=gen)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        idx = torch.randint(0, pool, (batch,), generator=gen)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images[idx]), labels[idx])
        loss.backward()
        opt.step()
        return loss

    return step


def timed_rep(step, min_seconds):
    """Seconds per step over whole steps lasting at least min_seconds, and the last loss."""
    steps = 0
    t0 = time.perf_counter()
    while True:
        loss = step()
        steps += 1
        t = time.perf_counter()
        if t - t0 >= min_seconds:
            return (t - t0) / steps, float(loss)


def measure(dtype, batch, pool, min_seconds, reps, warm_seconds, seed):
    step = make_stepper(dtype, batch, pool, seed)
    sink = 0.0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < warm_seconds:
        sink += float(step())
    per_step = []
    for _ in range(reps):
        sec, loss = timed_rep(step, min_seconds)
        sink += loss
        per_step.append(sec)
    med = statistics.median(per_step)
    return {
        "dtype": str(dtype).replace("torch.", ""),
        "samples_per_s": batch / med,
        "reps_s_per_step": sorted(per_step),
        "finite": bool(sink == sink and abs(sink) != float("inf")),
    }


def serve(args):
    steppers = {}
    for name in args.dtypes.split(","):
        steppers[name] = make_stepper(getattr(torch, name), args.batch, args.pool, args.seed)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < args.warm_seconds:
            steppers[name]()
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch}), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        sec, loss = timed_rep(steppers[parts[0]], float(parts[1]))
        print(json.dumps({"dtype": parts[0], "s_per_step": sec, "finite": loss == loss}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--min-seconds", type=float, default=0.5)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--warm-seconds", type=float, default=1.0)
    ap.add_argument("--pool", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.serve:
        serve(args)
        return
    results = [
        measure(getattr(torch, name), args.batch, args.pool, args.min_seconds, args.reps, args.warm_seconds, args.seed)
        for name in args.dtypes.split(",")
    ]
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch, "results": results}))


if __name__ == "__main__":
    main()
