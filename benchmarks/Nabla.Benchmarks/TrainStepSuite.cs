using Nabla.Kernels;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = Nabla.Tensors.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Benchmarks;

/// <summary>
/// "train": one training step (forward, loss, backward, AdamW step, zero grad) written with modules and an
/// optimizer, Nabla beside TorchSharp (libtorch) with the same model, batch and optimizer, in one process,
/// both on the same number of threads. Reports the median step time, the ratio, and the bytes Nabla
/// allocates per step after warm-up, split into the optimizer's and the rest.
/// </summary>
public static class TrainStepSuite
{
    public static int Run(string[] args)
    {
        double seconds = Measure.Option(args, "train", "--seconds", 2.0);
        string only = Measure.Only(args);
        torch.set_num_threads(ParallelFor.MaxThreads);
        Console.WriteLine($"train: forward + backward + AdamW step, {ParallelFor.MaxThreads} threads each, GEMM {Gemm.KernelName}");
        Console.WriteLine($"{"workload",-44} {"Nabla ms",9} {"torch ms",9} {"speed-up",9} {"goal",6} {"alloc B/step",13} {"optimizer B",12}");
        if ("mlp".Contains(only, StringComparison.Ordinal)) Mlp(seconds);
        return 0;
    }

    /// <summary>The makemore lecture-2 MLP: block 3, embedding 10, hidden 200, batch 32, 27 characters.</summary>
    private static void Mlp(double seconds)
    {
        const int Batch = 32, Block = 3, Embed = 10, Hidden = 200, Vocab = 27;
        var g = new Generator(1);
        var embedding = new Embedding(Vocab, Embed, g);
        var hidden = new Linear(Block * Embed, Hidden, generator: g);
        var output = new Linear(Hidden, Vocab, generator: g);
        var model = new Sequential(hidden, new Nabla.NN.Tanh(), output);
        var parameters = embedding.Parameters().Concat(model.Parameters()).ToList();
        var optimizer = new AdamW(parameters, 1e-3f);
        var data = new Generator(2);
        Tensor x = Tensor.RandInt(0, Vocab, [Batch, Block], data), y = Tensor.RandInt(0, Vocab, [Batch], data);

        void NablaStep()
        {
            using (var scope = new TensorScope())
            {
                Tensor logits = model.Forward(embedding.Forward(x).Reshape(Batch, Block * Embed));
                logits.CrossEntropy(y).Backward();
            }
            optimizer.Step();
            optimizer.ZeroGrad();
        }

        using var torchScope = NewDisposeScope();
        var tEmbedding = nn.Embedding(Vocab, Embed);
        var tModel = nn.Sequential(nn.Linear(Block * Embed, Hidden), nn.Tanh(), nn.Linear(Hidden, Vocab));
        var tOptimizer = optim.AdamW(tEmbedding.parameters().Concat(tModel.parameters()), 1e-3);
        TorchTensor tx = torch.tensor(x.ToIntArray().Select(v => (long)v).ToArray(), [Batch, Block]);
        TorchTensor ty = torch.tensor(y.ToIntArray().Select(v => (long)v).ToArray(), [Batch]);
        void TorchStep()
        {
            using var step = NewDisposeScope();
            TorchTensor logits = tModel.call(tEmbedding.call(tx).view(Batch, Block * Embed));
            nn.functional.cross_entropy(logits, ty).backward();
            tOptimizer.step();
            tOptimizer.zero_grad();
        }

        Report("MLP (block 3, emb 10, hidden 200, batch 32)", NablaStep, TorchStep, optimizer, goal: 2.0, seconds);
    }

    private static void Report(string name, Action nabla, Action torchStep, Optimizer optimizer, double goal, double seconds)
    {
        long stepBytes = Measure.AllocatedBytes(nabla, warmup: 5);
        long optimizerBytes = Measure.AllocatedBytes(optimizer.Step, warmup: 1);
        // Alternate the two, so that a noisy neighbour slows both alike.
        var nablaSamples = new List<double>();
        var torchSamples = new List<double>();
        for (int round = 0; round < 5; round++)
        {
            nablaSamples.Add(Measure.MedianSeconds(nabla, minSeconds: seconds / 5));
            torchSamples.Add(Measure.MedianSeconds(torchStep, minSeconds: seconds / 5));
        }
        double n = Measure.Median(nablaSamples), t = Measure.Median(torchSamples);
        Console.WriteLine($"{name,-44} {n * 1e3,9:F3} {t * 1e3,9:F3} {t / n,8:F2}x {goal,5:F1}x {stepBytes,13:N0} {optimizerBytes,12:N0}");
    }
}
