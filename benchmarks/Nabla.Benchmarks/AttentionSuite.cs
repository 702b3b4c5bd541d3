using Nabla.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Nabla.Benchmarks;

/// <summary>
/// <c>attention [--threads N] [--rounds R] [--seconds S]</c>: fused causal attention, Nabla's
/// <see cref="AttentionKernel"/> beside libtorch's scaled_dot_product_attention(is_causal) on the same
/// thread count, at nanoGPT shakespeare-char's sizes (B 12, nh 4, T 64, hs 32: the small config; B 64,
/// nh 6, T 256, hs 64: train_shakespeare_char.py), forward alone and forward + backward, and one step of
/// generation (1 query against 256 cached keys). Each row is measured R times alternating Nabla and
/// libtorch; the table shows median milliseconds per call and the ratio (libtorch time / Nabla time: above
/// 1, Nabla is faster). libtorch's forward runs under no_grad; forward + backward is autograd's, gradients
/// set to none between calls, as a training step does. Nabla writes into buffers allocated once.
/// </summary>
public static class AttentionSuite
{
    private sealed record Shape(int B, int Heads, int Queries, int Keys, int HeadSize)
    {
        public override string ToString() => $"{B}x{Heads}x{Queries}x{Keys}x{HeadSize}";
    }

    public static int Run(string[] args)
    {
        int threads = Measure.Option(args, "attention", "--threads", 2);
        int rounds = Measure.Option(args, "attention", "--rounds", 5);
        double seconds = Measure.Option(args, "attention", "--seconds", 0.5);
        ParallelFor.MaxThreads = threads;
        torch.set_num_threads(threads);

        Console.WriteLine($"causal attention, (B, nh, Tq, Tk, hs); {threads} threads (Nabla ParallelFor.MaxThreads, torch.set_num_threads); " +
            $"median of {rounds} alternating rounds of ≥{seconds:0.00}s; Nabla kernel {KernelPath}");
        Console.WriteLine($"{"case",-22} {"B x nh x Tq x Tk x hs",-22} {"Nabla ms",9} {"torch ms",9} {"ratio",6}");
        Shape[] shapes = [new(12, 4, 64, 64, 32), new(64, 6, 256, 256, 64), new(1, 6, 1, 256, 64)];
        foreach (Shape shape in shapes)
        {
            using var scope = torch.NewDisposeScope();
            foreach (var (name, nabla, libtorch) in Cases(shape))
            {
                Measure.MedianSeconds(nabla, minSeconds: 0.3);   // the JIT's tiers, the pools, the workers
                Measure.MedianSeconds(libtorch, minSeconds: 0.3);
                var ours = new List<double>();
                var theirs = new List<double>();
                for (int r = 0; r < rounds; r++)
                {
                    ours.Add(Measure.MedianSeconds(nabla, minSeconds: seconds));
                    theirs.Add(Measure.MedianSeconds(libtorch, minSeconds: seconds));
                }
                double n = Measure.Median(ours) * 1e3, t = Measure.Median(theirs) * 1e3;
                Console.WriteLine($"{name,-22} {shape,-22} {n,9:0.000} {t,9:0.000} {t / n,6:0.00}");
                BenchReport.Add(BenchRow.Time($"attention {name} {shape}", n, "libtorch", t, "ms"));
            }
        }
        return 0;
    }

    private static string KernelPath => RowMath.Use512 ? "Lanes512 (AVX-512)" : RowMath.Use256 ? "Lanes256 (AVX2)" : RowMath.Use128 ? "Lanes128" : "Lanes1";

    private static IEnumerable<(string, Action, Action)> Cases(Shape s)
    {
        int heads = s.B * s.Heads, hs = s.HeadSize, tq = s.Queries, tk = s.Keys;
        float scale = 1f / MathF.Sqrt(hs);
        Tensor tq4 = randn(s.B, s.Heads, tq, hs), tk4 = randn(s.B, s.Heads, tk, hs), tv4 = randn(s.B, s.Heads, tk, hs);
        Tensor tdo = randn(s.B, s.Heads, tq, hs);
        float[] q = Floats(tq4), k = Floats(tk4), v = Floats(tv4), dO = Floats(tdo);
        float[] o = new float[q.Length], lse = new float[heads * tq], dq = new float[q.Length], dk = new float[k.Length], dv = new float[v.Length];
        Tensor lq = tq4.requires_grad_(true), lk = tk4.requires_grad_(true), lv = tv4.requires_grad_(true);
        // For one query the last-position mask hides nothing, and libtorch's is_causal (aligned to the first key) would hide all but one key.
        bool torchCausal = tq == tk;

        void Forward() => AttentionKernel.Forward(q, k, v, o, lse, heads, tq, tk, hs, true, scale);
        void TorchForward()
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            nn.functional.scaled_dot_product_attention(lq, lk, lv, null, 0.0, torchCausal);
        }
        yield return ("forward", Forward, TorchForward);
        if (tq == 1) yield break;
        yield return ("forward + backward", () =>
        {
            Forward();
            AttentionKernel.Backward(q, k, v, o, lse, dO, dq, dk, dv, heads, tq, tk, hs, true, scale);
        }, () =>
        {
            using var scope = torch.NewDisposeScope();
            foreach (Tensor leaf in new[] { lq, lk, lv }) leaf.grad = null;
            nn.functional.scaled_dot_product_attention(lq, lk, lv, null, 0.0, true).backward([tdo]);
        });
    }

    private static float[] Floats(Tensor t) => t.contiguous().data<float>().ToArray();
}
