using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Nabla.Kernels;
using TorchSharp;
using GELU = TorchSharp.Modules.GELU;
using static TorchSharp.torch;

namespace Nabla.Benchmarks;

/// <summary>
/// <c>ops [--threads N] [--rounds R] [--seconds S] [--best | --cpu] [--only TEXT]</c>: the fused kernels (softmax, log-softmax,
/// cross-entropy, layer norm, GELU) and elementwise add/mul/exp at a small GPT's activation sizes
/// (B·T = 12·64 = 768 rows of C = 128 or 4C = 512), forward and forward+backward, Nabla beside libtorch
/// (TorchSharp) on the same thread count. Each row is measured R times alternating Nabla and libtorch; the
/// table shows median microseconds per call and the throughput ratio (libtorch time / Nabla time: above 1,
/// Nabla is faster). libtorch's forward runs under no_grad; its backward is autograd's (the real cost a
/// training step pays). <c>--best</c> reports the fastest sample instead of the median (for a machine shared
/// with other jobs); <c>--cpu</c> reports process CPU time per call (meaningful with <c>--threads 1</c>:
/// it hardly counts time spent waiting for a core). Nabla writes into buffers allocated once; "alloc B" is what a warm Nabla call allocates.
/// </summary>
public static class FusedOpsSuite
{
    private const int Rows = 12 * 64;

    private sealed record Case(string Name, Action Nabla, Action Torch);

    public static int Run(string[] args)
    {
        int threads = Measure.Option(args, "ops", "--threads", 2);
        int rounds = Measure.Option(args, "ops", "--rounds", 3);
        double seconds = Measure.Option(args, "ops", "--seconds", 0.25);
        string only = Measure.Only(args);
        bool best = args.Contains("--best"), cpu = args.Contains("--cpu");
        Func<Action, double> time = cpu ? action => CpuSecondsPerCall(action, seconds)
            : best ? action => Measure.BestSeconds(action, seconds) : action => Measure.MedianSeconds(action, minSeconds: seconds);
        ParallelFor.MaxThreads = threads;
        torch.set_num_threads(threads);

        Console.WriteLine($"fused ops at a small GPT's activations, rows = 12·64 = {Rows}; {threads} threads " +
            $"(Nabla ParallelFor.MaxThreads, torch.set_num_threads); {(cpu ? "process CPU time per call" : best ? "best sample" : "median")} of {rounds} alternating rounds of ≥{seconds:0.00}s");
        Console.WriteLine($"{"op",-34} {"shape",-9} {"Nabla µs",9} {"torch µs",9} {"ratio",6} {"alloc B",8}");
        var ratios = new List<double>();
        foreach (int cols in new[] { 128, 512 })
        {
            using var scope = torch.NewDisposeScope();
            foreach (Case c in Cases(cols).Where(c => c.Name.Contains(only, StringComparison.Ordinal)))
            {
                // Run both long enough for the JIT's tiered compilation to reach its optimized code first.
                WarmUp(c.Nabla);
                WarmUp(c.Torch);
                long allocated = Measure.AllocatedBytes(c.Nabla);
                var ours = new List<double>();
                var theirs = new List<double>();
                for (int r = 0; r < rounds; r++)
                {
                    ours.Add(time(c.Nabla));
                    theirs.Add(time(c.Torch));
                }
                double n = Measure.Median(ours) * 1e6, t = Measure.Median(theirs) * 1e6;
                Console.WriteLine($"{c.Name,-34} {Rows}x{cols,-5} {n,9:0.0} {t,9:0.0} {t / n,6:0.00} {allocated,8}");
                BenchReport.Add(BenchRow.Time($"ops {c.Name} {Rows}x{cols}", n, "libtorch", t, "µs"));
                ratios.Add(t / n);
            }
        }
        if (ratios.Count > 0)
            Console.WriteLine($"geometric mean of the ratios: {Math.Exp(ratios.Average(Math.Log)):0.00} over {ratios.Count} rows; " +
                $"{ratios.Count(r => r >= 1)} rows at or above libtorch");
        return 0;
    }

    private static IEnumerable<Case> Cases(int cols)
    {
        int size = Rows * cols;
        float[] x = Random(size, 1, 2f), dy = Random(size, 2, 1f), y = new float[size], dx = new float[size];
        float[] b = Random(size, 3, 1f), z = new float[size], db2 = new float[size];
        float[] weight = Random(cols, 4, 0.2f, 1f), bias = Random(cols, 5, 0.2f), dw = new float[cols], db = new float[cols];
        float[] mean = new float[Rows], rstd = new float[Rows];
        var rng = new Random(6);
        int[] targets = Enumerable.Range(0, Rows).Select(_ => rng.Next(cols)).ToArray();

        Tensor tx = torch.tensor(x, [Rows, cols]), tdy = torch.tensor(dy, [Rows, cols]), tb = torch.tensor(b, [Rows, cols]);
        Tensor tw = torch.tensor(weight, [cols]), tbias = torch.tensor(bias, [cols]);
        Tensor tt = torch.tensor(targets.Select(t => (long)t).ToArray(), [Rows]);
        Tensor leaf = tx.clone().requires_grad_(true);
        Tensor wLeaf = tw.clone().requires_grad_(true), bLeaf = tbias.clone().requires_grad_(true);

        // libtorch forward: no graph; forward+backward: autograd, gradients cleared each call like a training step.
        Action TorchForward(Func<Tensor> op) => () =>
        {
            using var s = torch.NewDisposeScope();
            using var g = torch.no_grad();
            op();
        };
        Action TorchTrain(Func<Tensor> op, Tensor? gradient, params Tensor[] leaves) => () =>
        {
            using var s = torch.NewDisposeScope();
            foreach (Tensor l in leaves) l.grad = null;
            Tensor output = op();
            if (gradient is null) output.backward();
            else output.backward([gradient]);
        };

        yield return new("softmax fwd", () => SoftmaxKernel.Forward(x, y, Rows, cols), TorchForward(() => torch.softmax(tx, 1)));
        yield return new("softmax fwd+bwd", () => { SoftmaxKernel.Forward(x, y, Rows, cols); SoftmaxKernel.Backward(y, dy, dx, Rows, cols); },
            TorchTrain(() => torch.softmax(leaf, 1), tdy, leaf));
        yield return new("log-softmax fwd", () => SoftmaxKernel.LogForward(x, y, Rows, cols),
            TorchForward(() => nn.functional.log_softmax(tx, 1)));
        yield return new("log-softmax fwd+bwd", () => { SoftmaxKernel.LogForward(x, y, Rows, cols); SoftmaxKernel.LogBackward(y, dy, dx, Rows, cols); },
            TorchTrain(() => nn.functional.log_softmax(leaf, 1), tdy, leaf));
        yield return new("cross-entropy fwd", () => CrossEntropyKernel.Forward(x, targets, y, Rows, cols, -100),
            TorchForward(() => nn.functional.cross_entropy(tx, tt)));
        yield return new("cross-entropy fwd+bwd", () =>
            {
                CrossEntropyKernel.Forward(x, targets, y, Rows, cols, -100);
                CrossEntropyKernel.Backward(y, targets, 1f, dx, Rows, cols, -100);
            },
            TorchTrain(() => nn.functional.cross_entropy(leaf, tt), null, leaf));
        yield return new("layer norm fwd", () => LayerNormKernel.Forward(x, weight, bias, y, mean, rstd, Rows, cols, 1e-5f),
            TorchForward(() => nn.functional.layer_norm(tx, [cols], tw, tbias)));
        yield return new("layer norm fwd+bwd", () =>
            {
                LayerNormKernel.Forward(x, weight, bias, y, mean, rstd, Rows, cols, 1e-5f);
                LayerNormKernel.Backward(dy, x, weight, mean, rstd, dx, dw, db, Rows, cols);
            },
            TorchTrain(() => nn.functional.layer_norm(leaf, [cols], wLeaf, bLeaf), tdy, leaf, wLeaf, bLeaf));
        yield return new("gelu tanh fwd", () => GeluKernel.Forward(x, y, true),
            TorchForward(() => nn.functional.gelu(tx, GELU.Approximate.tanh)));
        yield return new("gelu tanh fwd+bwd", () => { GeluKernel.Forward(x, y, true); GeluKernel.Backward(x, dy, dx, true); },
            TorchTrain(() => nn.functional.gelu(leaf, GELU.Approximate.tanh), tdy, leaf));
        yield return new("gelu erf fwd", () => GeluKernel.Forward(x, y, false),
            TorchForward(() => nn.functional.gelu(tx, GELU.Approximate.none)));
        yield return new("gelu erf fwd+bwd", () => { GeluKernel.Forward(x, y, false); GeluKernel.Backward(x, dy, dx, false); },
            TorchTrain(() => nn.functional.gelu(leaf, GELU.Approximate.none), tdy, leaf));
        // Elementwise span kernels (Nabla.Kernels.Elementwise: split across threads above 32K elements).
        // Backward as autograd would run it: add passes dy to both inputs, mul scales it by the other input,
        // exp multiplies it by the output.
        Tensor bLeaf2 = tb.clone().requires_grad_(true);
        yield return new("add fwd", () => Elementwise.Binary(x, b, z, new AddOperator()), TorchForward(() => tx + tb));
        yield return new("add fwd+bwd", () =>
            {
                Elementwise.Binary(x, b, z, new AddOperator());
                Elementwise.Binary(dx, dy, dx, new AddOperator());   // dx += dy
                Elementwise.Binary(db2, dy, db2, new AddOperator());
            },
            TorchTrain(() => leaf + bLeaf2, tdy, leaf, bLeaf2));
        yield return new("mul fwd", () => Elementwise.Binary(x, b, z, new MultiplyOperator()), TorchForward(() => tx * tb));
        yield return new("mul fwd+bwd", () =>
            {
                Elementwise.Binary(x, b, z, new MultiplyOperator());
                Elementwise.BinaryAccumulate(dy, b, dx, new MultiplyOperator());
                Elementwise.BinaryAccumulate(dy, x, db2, new MultiplyOperator());
            },
            TorchTrain(() => leaf * bLeaf2, tdy, leaf, bLeaf2));
        yield return new("exp fwd", () => Elementwise.Unary(x, z, new ExpOperator()), TorchForward(() => tx.exp()));
        yield return new("exp fwd+bwd", () =>
            {
                Elementwise.Unary(x, z, new ExpOperator());
                Elementwise.BinaryAccumulate(dy, z, dx, new MultiplyOperator());
            },
            TorchTrain(() => leaf.exp(), tdy, leaf));
    }

    private static float[] Random(int count, int seed, float scale, float offset = 0f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale + offset;
        return values;
    }

    /// <summary>
    /// Process CPU seconds per call, averaged over calls for at least <paramref name="seconds"/> of wall time.
    /// With one thread this counts the work itself and hardly the waiting, so it stays comparable when
    /// other jobs share the cores (with more threads, spinning workers would be counted too).
    /// </summary>
    private static double CpuSecondsPerCall(Action action, double seconds)
    {
        for (int i = 0; i < 3; i++) action();
        var process = System.Diagnostics.Process.GetCurrentProcess();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan start = process.TotalProcessorTime;
        int calls = 0;
        while (calls < 20 || clock.Elapsed.TotalSeconds < seconds)
        {
            action();
            calls++;
        }
        process.Refresh();
        return (process.TotalProcessorTime - start).TotalSeconds / calls;
    }

    /// <summary>Calls <paramref name="action"/> for 0.3 s: the tiered JIT recompiles a hot method with full
    /// optimization only after a ~100 ms quiet period, so a short warm-up would time tier-0 code.</summary>
    private static void WarmUp(Action action)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int runs = 0; runs < 3 || clock.Elapsed.TotalSeconds < 0.3; runs++) action();
    }
}
