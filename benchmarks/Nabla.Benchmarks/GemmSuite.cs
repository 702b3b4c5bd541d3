using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Nabla.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Nabla.Benchmarks;

/// <summary>
/// <c>gemm [--threads N] [--rounds R] [--seconds S] [--best] [--cpu-time] [--only TEXT]</c>: fp32 SGEMM GFLOP/s, Nabla beside libtorch
/// (TorchSharp) on the same thread count, for square sizes, a small GPT's layer shapes and its batched
/// attention products; each shape is
/// measured R times alternating Nabla and libtorch, and the table shows the medians. Also: the machine's
/// fp32 FMA peak (measured here with an FMA-throughput loop on every thread), Nabla's share of it, and the
/// bytes a warm Sgemm call allocates. <c>--best</c> reports the fastest sample instead of the median
/// (for tuning on a machine shared with other jobs); <c>--cpu-time</c> times CPU seconds per thread instead
/// of the wall clock, so time spent descheduled does not count (see <see cref="CpuSeconds"/>).
/// </summary>
public static class GemmSuite
{
    private sealed record Shape(string Name, bool TransA, bool TransB, int M, int N, int K, int Batch = 1);

    private static readonly Shape[] Shapes =
    [
        new("square 256", false, false, 256, 256, 256),
        new("square 512", false, false, 512, 512, 512),
        new("square 1024", false, false, 1024, 1024, 1024),
        new("square 2048", false, false, 2048, 2048, 2048),
        new("square 1024 Aᵀ·B", true, false, 1024, 1024, 1024),
        new("square 1024 A·Bᵀ", false, true, 1024, 1024, 1024),
        new("square 1024 Aᵀ·Bᵀ", true, true, 1024, 1024, 1024),
        // A small GPT (B·T = 768 tokens, C = 128, MLP 4C = 512), Linear weights stored [out, in]: y = x·Wᵀ.
        new("fc x·Wᵀ [768x128]·[512x128]ᵀ", false, true, 768, 512, 128),
        new("proj h·Wᵀ [768x512]·[128x512]ᵀ", false, true, 768, 128, 512),
        new("fc dX = dY·W [768x512]·[512x128]", false, false, 768, 128, 512),
        new("fc dW = dYᵀ·x [768x512]ᵀ·[768x128]", true, false, 512, 128, 768),
        new("proj dH = dY·W [768x128]·[128x512]", false, false, 768, 512, 128),
        new("proj dW = dYᵀ·h [768x128]ᵀ·[768x512]", true, false, 128, 512, 768),
        new("[768x128]·[128x512]", false, false, 768, 512, 128),
        // Attention, 6 sequences × 4 heads of T = 128, head size 32 (SgemmBatched against a 3-D torch.matmul).
        new("attn Q·Kᵀ 24×[128x32]·[128x32]ᵀ", false, true, 128, 128, 32, Batch: 24),
        new("attn P·V 24×[128x128]·[128x32]", false, false, 128, 32, 128, Batch: 24),
    ];

    public static int Run(string[] args)
    {
        int threads = Measure.Option(args, "gemm", "--threads", Environment.ProcessorCount);
        int rounds = Measure.Option(args, "gemm", "--rounds", 3);
        double seconds = Measure.Option(args, "gemm", "--seconds", 1.0);
        bool best = args.Contains("--best");
        bool cpuTime = args.Contains("--cpu-time");
        Func<Action, double, double> time = cpuTime ? (action, s) => CpuSeconds(action, s, threads)
            : best ? Measure.BestSeconds : (action, s) => Measure.MedianSeconds(action, minSeconds: s);
        ParallelFor.MaxThreads = threads;
        bool withTorch = !Peers.LibtorchMissing();   // without libtorch, Nabla's rows alone
        if (withTorch) torch.set_num_threads(threads);

        (double wallPeak, double peak) = MeasurePeak(threads);
        Console.WriteLine($"fp32 SGEMM, {threads} threads (Nabla ParallelFor.MaxThreads, torch.set_num_threads), " +
            $"kernel {Gemm.KernelName}, {(cpuTime ? "median CPU-time/threads" : best ? "best sample" : "median")} of {rounds} rounds of ≥{seconds:0.0}s each");
        Console.WriteLine($"measured fp32 FMA peak on {threads} threads " +
            $"({(Fma.IsSupported ? Vector512.IsHardwareAccelerated ? "AVX-512" : "AVX2" : "scalar")} FMA loop): " +
            $"{peak:0.0} GFLOP/s by per-thread CPU time (the % peak column), {wallPeak:0.0} GFLOP/s by wall clock");
        Console.WriteLine();
        Console.WriteLine($"{"shape",-40} {"Nabla GF/s",10} {"torch GF/s",10} {"ratio",6} {"% peak",7} {"alloc B",8}");
        string only = Measure.Only(args);
        foreach (Shape shape in Shapes.Where(s => s.Name.Contains(only, StringComparison.Ordinal)))
        {
            var nabla = new List<double>();
            var peer = new List<double>();
            long allocated;
            (int batch, int m, int n, int k) = (shape.Batch, shape.M, shape.N, shape.K);
            double flops = 2.0 * batch * m * n * k;
            int lda = shape.TransA ? m : k, ldb = shape.TransB ? k : n;
            float[] a = Random(batch * m * k, 1), b = Random(batch * k * n, 2), c = new float[batch * m * n];
            using (var scope = withTorch ? torch.NewDisposeScope() : null)
            {
                void Ours()
                {
                    if (batch == 1) Gemm.Sgemm(shape.TransA, shape.TransB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
                    else Gemm.SgemmBatched(batch, shape.TransA, shape.TransB, m, n, k, 1f, a, lda, (long)m * k, b, ldb, (long)k * n, 0f, c, n, (long)m * n);
                }
                Action? theirs = withTorch ? TorchMatmul(shape, a, b) : null;
                allocated = Measure.AllocatedBytes(Ours);
                for (int r = 0; r < rounds; r++)
                {
                    nabla.Add(flops / time(Ours, seconds) / 1e9);
                    if (theirs is not null) peer.Add(flops / time(theirs, seconds) / 1e9);
                }
            }
            double ours = best ? nabla.Max() : Measure.Median(nabla);
            double? torchRate = peer.Count == 0 ? null : best ? peer.Max() : Measure.Median(peer);
            Console.WriteLine($"{shape.Name,-40} {ours,10:0.0} {torchRate,10:0.0} {ours / torchRate,6:0.00} {100 * ours / peak,6:0}% {allocated,8}");
            BenchReport.Add(BenchRow.Rate($"gemm {shape.Name}", ours, "libtorch", torchRate, "GFLOP/s", goal: 1.0));
        }
        return 0;
    }

    /// <summary>libtorch's matmul of the same operands, as the shape asks (transposed views, batched when
    /// the shape has a batch); the tensors live in the caller's dispose scope.</summary>
    private static Action TorchMatmul(Shape shape, float[] a, float[] b)
    {
        (int batch, int m, int n, int k) = (shape.Batch, shape.M, shape.N, shape.K);
        Tensor ta = torch.tensor(a, shape.TransA ? [batch, k, m] : [batch, m, k]);
        Tensor tb = torch.tensor(b, shape.TransB ? [batch, n, k] : [batch, k, n]);
        Tensor opA = shape.TransA ? ta.transpose(1, 2) : ta, opB = shape.TransB ? tb.transpose(1, 2) : tb;
        if (batch == 1)
        {
            opA = opA.squeeze(0);
            opB = opB.squeeze(0);
        }
        return () =>
        {
            using Tensor result = torch.matmul(opA, opB);
        };
    }

    /// <summary>fp32 peak: every thread runs 12 independent FMA chains on registers (enough to cover the
    /// FMA latency on two pipes); best of several runs.</summary>
    /// <summary>The fp32 FMA peak, best of many short attempts, two ways: by the wall clock (all threads
    /// at once; low when other jobs share the cores) and by each thread's own CPU clock, summed over the
    /// threads (what the cores deliver while they run: the hardware peak, robust to sharing).</summary>
    private static unsafe (double Wall, double Cpu) MeasurePeak(int threads)
    {
        const long iterations = 2_000_000;
        int lanes = Vector512.IsHardwareAccelerated ? 16 : Fma.IsSupported ? 8 : 1;
        double flopsPerThread = iterations * 12.0 * lanes * 2;
        double bestWall = 0, bestCpu = 0;
        double* cpuSeconds = stackalloc double[threads];
        for (int attempt = 0; attempt < 60; attempt++)
        {
            long start = Stopwatch.GetTimestamp();
            ParallelFor.Run(threads, 1, new FmaLoop(iterations, cpuSeconds));
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            bestWall = Math.Max(bestWall, threads * flopsPerThread / elapsed / 1e9);
            double cpu = 0;
            for (int t = 0; t < threads; t++) cpu += flopsPerThread / cpuSeconds[t] / 1e9;
            bestCpu = Math.Max(bestCpu, cpu);
        }
        return (bestWall, bestCpu);
    }

    private readonly unsafe struct FmaLoop(long iterations, double* cpuSeconds) : IRangeAction
    {
        public void Invoke(int start, int end)
        {
            for (int t = start; t < end; t++)
            {
                double begin = CpuNow(ClockThreadCpuTimeId);
                float sink = Vector512.IsHardwareAccelerated ? Run512() : Fma.IsSupported ? Run256() : 0f;
                cpuSeconds[t] = CpuNow(ClockThreadCpuTimeId) - begin;
                if (sink == 12345.678f) Console.Write(""); // keeps the loop observable
            }
        }

        private float Run256()
        {
            var m = Vector256.Create(0.999999f);
            var add = Vector256.Create(1e-6f);
            Vector256<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
            for (long i = 0; i < iterations; i++)
            {
                a0 = Fma.MultiplyAdd(a0, m, add); a1 = Fma.MultiplyAdd(a1, m, add); a2 = Fma.MultiplyAdd(a2, m, add);
                a3 = Fma.MultiplyAdd(a3, m, add); a4 = Fma.MultiplyAdd(a4, m, add); a5 = Fma.MultiplyAdd(a5, m, add);
                a6 = Fma.MultiplyAdd(a6, m, add); a7 = Fma.MultiplyAdd(a7, m, add); a8 = Fma.MultiplyAdd(a8, m, add);
                a9 = Fma.MultiplyAdd(a9, m, add); a10 = Fma.MultiplyAdd(a10, m, add); a11 = Fma.MultiplyAdd(a11, m, add);
            }
            return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }

        private float Run512()
        {
            var m = Vector512.Create(0.999999f);
            var add = Vector512.Create(1e-6f);
            Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
            for (long i = 0; i < iterations; i++)
            {
                a0 = Vector512.FusedMultiplyAdd(a0, m, add); a1 = Vector512.FusedMultiplyAdd(a1, m, add);
                a2 = Vector512.FusedMultiplyAdd(a2, m, add); a3 = Vector512.FusedMultiplyAdd(a3, m, add);
                a4 = Vector512.FusedMultiplyAdd(a4, m, add); a5 = Vector512.FusedMultiplyAdd(a5, m, add);
                a6 = Vector512.FusedMultiplyAdd(a6, m, add); a7 = Vector512.FusedMultiplyAdd(a7, m, add);
                a8 = Vector512.FusedMultiplyAdd(a8, m, add); a9 = Vector512.FusedMultiplyAdd(a9, m, add);
                a10 = Vector512.FusedMultiplyAdd(a10, m, add); a11 = Vector512.FusedMultiplyAdd(a11, m, add);
            }
            return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }
    }

    /// <summary>Median CPU seconds per call divided by the thread count: the wall time the call would take
    /// if its threads had their cores to themselves. Time spent descheduled (other jobs on a shared
    /// machine) does not count; time spent spinning while waiting for another thread does. One thread:
    /// the calling thread's CPU clock; more: the whole process's.</summary>
    private static double CpuSeconds(Action action, double minSeconds, int threads)
    {
        for (int i = 0; i < 3; i++) action();
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        int clock = threads == 1 ? ClockThreadCpuTimeId : ClockProcessCpuTimeId;
        while (samples.Count < 7 || total.Elapsed.TotalSeconds < minSeconds)
        {
            double start = CpuNow(clock);
            action();
            samples.Add((CpuNow(clock) - start) / threads);
        }
        return Measure.Median(samples);
    }

    private const int ClockProcessCpuTimeId = 2, ClockThreadCpuTimeId = 3;

    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static double CpuNow(int clock)
    {
        if (ClockGetTime(clock, out TimeSpec t) != 0) throw new InvalidOperationException($"gemm: clock_gettime({clock}) failed.");
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }
}
