"""The peer of the `micrograd` benchmark suite: the same moons training step in Python micrograd.

Reads the points (x y label per line, label -1 or +1) on stdin and the number of steps as argv[1];
trains micrograd's MLP(2, [16, 16, 1]) with the demo's loss (mean max-margin + 1e-4 L2) by full-batch
SGD and prints one line: the median seconds per step, wall-clock and CPU time. Needs the `micrograd` package importable
(pip install micrograd, or PYTHONPATH pointing at a checkout of github.com/karpathy/micrograd).
"""
import random
import sys
import time

from micrograd.engine import Value
from micrograd.nn import MLP


def main():
    steps = int(sys.argv[1])
    rows = [line.split() for line in sys.stdin if line.strip()]
    points = [(float(x), float(y)) for x, y, _ in rows]
    labels = [float(label) for _, _, label in rows]
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    inputs = [[Value(x), Value(y)] for x, y in points]

    seconds, cpu_seconds = [], []
    for step in range(steps):
        start, cpu_start = time.perf_counter(), time.process_time()
        scores = [model(x) for x in inputs]
        margins = [(1 + -label * score).relu() for label, score in zip(labels, scores)]
        data_loss = sum(margins) * (1.0 / len(margins))
        loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        learning_rate = 1.0 - 0.9 * step / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu_start)
    seconds.sort()
    cpu_seconds.sort()
    print(seconds[len(seconds) // 2], cpu_seconds[len(cpu_seconds) // 2])


if __name__ == "__main__":
    main()
