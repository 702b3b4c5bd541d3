using Nabla.Kernels;
using Nabla.Tensors;
using TorchSharp;

namespace Nabla.Benchmarks;

/// <summary>
/// "alloc": managed bytes allocated per training step (forward + backward + zero grad) of a fixed
/// two-layer MLP, after warm-up. Split into what the kernels allocate (goal: 0), what a no-grad forward
/// allocates (the output tensors' storage and headers), and the full step (adds the graph: nodes, closures,
/// intermediate gradient headers). Beside it, the managed bytes TorchSharp allocates for the same step
/// (its tensors live in native memory, so this counts only its .NET wrappers) and both step times.
/// The step inside a <see cref="TensorScope"/> takes its activation buffers from the pool: what remains
/// is the graph (nodes, closures, tensor headers, shape arrays).
/// </summary>
public static class AllocationSuite
{
    private const int Batch = 64, Inputs = 128, Hidden = 256, Outputs = 10;

    public static int Run(string[] args)
    {
        var g = new Generator(1);
        Tensor x = Tensor.Randn([Batch, Inputs], g);
        Tensor target = Tensor.Randn([Batch, Outputs], g);
        Tensor w1 = (Tensor.Randn([Inputs, Hidden], g) * 0.05f).Detach().RequireGrad();
        Tensor b1 = Tensor.Zeros(Hidden).RequireGrad();
        Tensor w2 = (Tensor.Randn([Hidden, Outputs], g) * 0.05f).Detach().RequireGrad();
        Tensor b2 = Tensor.Zeros(Outputs).RequireGrad();
        Tensor[] parameters = [w1, b1, w2, b2];

        Tensor Forward() => ((x.MatMul(w1) + b1).Tanh().MatMul(w2) + b2 - target).Pow(2f).Mean();
        void Step()
        {
            foreach (Tensor p in parameters) p.ZeroGrad();
            Forward().Backward();
        }
        void ScopedStep()
        {
            foreach (Tensor p in parameters) p.ZeroGrad();
            using var scope = new TensorScope();
            Forward().Backward();
        }
        void ForwardOnly()
        {
            using (Tensor.NoGrad()) Forward();
        }

        // The kernels alone, on preallocated buffers: the same arithmetic as one forward + backward.
        float[] xs = x.ToArray(), w1s = w1.ToArray(), w2s = w2.ToArray(), b1s = b1.ToArray();
        float[] h = new float[Batch * Hidden], y = new float[Batch * Outputs], dh = new float[Batch * Hidden];
        float[] dw1 = new float[Inputs * Hidden], dw2 = new float[Hidden * Outputs];
        void KernelsOnly()
        {
            Gemm.Sgemm(false, false, Batch, Hidden, Inputs, 1f, xs, Inputs, w1s, Hidden, 0f, h, Hidden);
            for (int r = 0; r < Batch; r++)
                Elementwise.Binary(h.AsSpan(r * Hidden, Hidden), b1s, h.AsSpan(r * Hidden, Hidden), new AddOperator());
            System.Numerics.Tensors.TensorPrimitives.Tanh(h, h);
            Gemm.Sgemm(false, false, Batch, Outputs, Hidden, 1f, h, Hidden, w2s, Outputs, 0f, y, Outputs);
            Gemm.Sgemm(true, false, Hidden, Outputs, Batch, 1f, h, Hidden, y, Outputs, 1f, dw2, Outputs);
            Gemm.Sgemm(false, true, Batch, Hidden, Outputs, 1f, y, Outputs, w2s, Outputs, 0f, dh, Hidden);
            Elementwise.BinaryAccumulate(dh, h, dh, new TanhBackwardOperator());
            Gemm.Sgemm(true, false, Inputs, Hidden, Batch, 1f, xs, Inputs, dh, Hidden, 1f, dw1, Hidden);
        }

        // `alloc --per-op`: the bytes of each forward operation on its own, to find what allocates.
        if (args.Length > 0 && args[0] == "--per-op")
        {
            using (Tensor.NoGrad())
            {
                Tensor a = x.MatMul(w1);
                Console.WriteLine($"matmul {Measure.AllocatedBytes(() => x.MatMul(w1))}");
                Console.WriteLine($"add bias {Measure.AllocatedBytes(() => { var _ = a + b1; })}");
                Console.WriteLine($"tanh {Measure.AllocatedBytes(() => a.Tanh())}");
                Tensor o = a.Tanh().MatMul(w2);
                Console.WriteLine($"sub {Measure.AllocatedBytes(() => { var _ = o - target; })}");
                Console.WriteLine($"pow {Measure.AllocatedBytes(() => o.Pow(2f))}");
                Console.WriteLine($"mean {Measure.AllocatedBytes(() => o.Mean())}");
                Console.WriteLine($"sum {Measure.AllocatedBytes(() => o.Sum())}");
            }
            return 0;
        }
        long kernels = Measure.AllocatedBytes(KernelsOnly, warmup: 5);
        long forward = Measure.AllocatedBytes(ForwardOnly, warmup: 5);
        long step = Measure.AllocatedBytes(Step, warmup: 5);
        long scoped = Measure.AllocatedBytes(ScopedStep, warmup: 5);
        double nablaSeconds = Measure.MedianSeconds(Step, minSeconds: 0.5);
        double scopedSeconds = Measure.MedianSeconds(ScopedStep, minSeconds: 0.5);

        // The same step in libtorch.
        using var scope = torch.NewDisposeScope();
        torch.set_num_threads(ParallelFor.MaxThreads);
        var tx = torch.tensor(xs, [Batch, Inputs]);
        var tt = torch.tensor(target.ToArray(), [Batch, Outputs]);
        var tw1 = torch.tensor(w1s, [Inputs, Hidden]).requires_grad_(true);
        var tb1 = torch.zeros(Hidden).requires_grad_(true);
        var tw2 = torch.tensor(w2s, [Hidden, Outputs]).requires_grad_(true);
        var tb2 = torch.zeros(Outputs).requires_grad_(true);
        void TorchStep()
        {
            using var stepScope = torch.NewDisposeScope();
            foreach (var p in new[] { tw1, tb1, tw2, tb2 }) p.grad?.zero_();
            ((tx.matmul(tw1) + tb1).tanh().matmul(tw2) + tb2 - tt).pow(2).mean().backward();
        }
        long torchStep = Measure.AllocatedBytes(TorchStep, warmup: 5);
        double torchSeconds = Measure.MedianSeconds(TorchStep, minSeconds: 0.5);

        Console.WriteLine($"alloc: 2-layer MLP [{Batch}x{Inputs}] -> {Hidden} (tanh) -> {Outputs}, MSE loss, {ParallelFor.MaxThreads} threads");
        Console.WriteLine($"{"measure",-44} {"bytes/step",12}");
        Console.WriteLine($"{"Nabla kernels only (GEMM, bias, tanh, bwd)",-44} {kernels,12:N0}");
        Console.WriteLine($"{"Nabla forward under NoGrad",-44} {forward,12:N0}");
        Console.WriteLine($"{"  of which [64x256] activation storage (3x)",-44} {3L * 4 * Batch * Hidden,12:N0}");
        Console.WriteLine($"{"Nabla forward + backward + zero grad",-44} {step,12:N0}");
        Console.WriteLine($"{"Nabla step inside a TensorScope (pooled)",-44} {scoped,12:N0}");
        Console.WriteLine($"{"TorchSharp step (managed wrappers only)",-44} {torchStep,12:N0}");
        Console.WriteLine();
        Console.WriteLine($"{"step time",-44} {"Nabla",10} {"libtorch",10} {"ratio",7}");
        Console.WriteLine($"{"forward + backward (µs, median)",-44} {nablaSeconds * 1e6,10:F1} {torchSeconds * 1e6,10:F1} {torchSeconds / nablaSeconds,6:F2}x");
        Console.WriteLine($"{"  the same inside a TensorScope",-44} {scopedSeconds * 1e6,10:F1} {torchSeconds * 1e6,10:F1} {torchSeconds / scopedSeconds,6:F2}x");
        return 0;
    }
}
