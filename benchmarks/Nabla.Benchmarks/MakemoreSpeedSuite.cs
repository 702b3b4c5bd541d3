using System.Diagnostics;
using Nabla.Kernels;
using Nabla.Models;
using Nabla.Optim;
using Nabla.Tensors;
using TorchSharp;
using Embedding = TorchSharp.Modules.Embedding;
using LayerNorm = TorchSharp.Modules.LayerNorm;
using Linear = TorchSharp.Modules.Linear;
using GELU = TorchSharp.Modules.GELU;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Tensor = Nabla.Tensors.Tensor;
using TT = TorchSharp.torch.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Benchmarks;

/// <summary>
/// "makemore-speed": training steps per second of makemore.py's Transformer (and, in <see cref="MakemoreMlpSpeed"/>, the MLP) at its default sizes (vocab 27,
/// block 16, n_embd 64, 4 heads, 4 layers, batch 32): forward, loss (cross-entropy, ignore index −1),
/// backward and an AdamW step, Nabla beside the same model in TorchSharp (libtorch) with the same weights and
/// the same batch, on the same number of threads, in alternating rounds. Then where each one's step goes:
/// forward, backward, optimizer; <c>--profile</c> adds each part of a block (LayerNorm, attention, MLP)
/// forward and backward on its own.
/// </summary>
public static class MakemoreSpeedSuite
{
    private const int Batch = 32, Vocab = 27, Block = 16, Embd = 64, Heads = 4, Layers = 4;
    private const double Goal = 1.5;

    public static int Run(string[] args)
    {
        double seconds = Measure.Option(args, "makemore-speed", "--seconds", 2.0);
        int rounds = Measure.Option(args, "makemore-speed", "--rounds", 5);
        torch.set_num_threads(ParallelFor.MaxThreads);
        using var scope = NewDisposeScope();

        var config = new MakemoreConfig { VocabularySize = Vocab, BlockSize = Block, NEmbd = Embd, NEmbd2 = Embd, NLayer = Layers, NHead = Heads };
        var model = new Nabla.Models.Transformer(config, new Generator(3407));
        var optimizer = new Nabla.Optim.AdamW(model.Parameters(), 5e-4f, 0.9f, 0.99f, 1e-8f, weightDecay: 0.01f);
        var (x, y) = Batch32();

        var torchModel = new TorchTransformer();
        var torchParameters = torchModel.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
            foreach (var (name, tensor) in model.StateDict())
                torchParameters[name.Replace("transformer.", "")].copy_(torch.tensor(tensor.ToArray(), tensor.Shape.ToArray().Select(s => (long)s).ToArray()));
        var torchOptimizer = optim.AdamW(torchModel.parameters(), 5e-4, 0.9, 0.99, 1e-8, weight_decay: 0.01);
        TT tx = torch.tensor(x.ToIntArray().Select(v => (long)v).ToArray(), [Batch, Block]);
        TT ty = torch.tensor(y.ToIntArray().Select(v => (long)v).ToArray(), [Batch * Block]);

        float firstNabla, firstTorch;
        using (new TensorScope()) firstNabla = model.Loss(x, y).Item();
        using (NewDisposeScope()) firstTorch = nn.functional.cross_entropy(torchModel.call(tx).view(-1, Vocab), ty, ignore_index: -1).item<float>();

        var phases = new double[3];
        var torchPhases = new double[3];
        void NablaStep()
        {
            long t0 = Stopwatch.GetTimestamp();
            using (var step = new TensorScope())
            {
                Tensor loss = model.Loss(x, y);
                long t1 = Stopwatch.GetTimestamp();
                loss.Backward();
                phases[0] += Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
                phases[1] += Stopwatch.GetElapsedTime(t1).TotalSeconds;
            }
            long t2 = Stopwatch.GetTimestamp();
            optimizer.Step();
            optimizer.ZeroGrad();
            phases[2] += Stopwatch.GetElapsedTime(t2).TotalSeconds;
        }
        void TorchStep()
        {
            long t0 = Stopwatch.GetTimestamp();
            using (var step = NewDisposeScope())
            {
                TT loss = nn.functional.cross_entropy(torchModel.call(tx).view(-1, Vocab), ty, ignore_index: -1);
                long t1 = Stopwatch.GetTimestamp();
                loss.backward();
                torchPhases[0] += Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
                torchPhases[1] += Stopwatch.GetElapsedTime(t1).TotalSeconds;
            }
            long t2 = Stopwatch.GetTimestamp();
            torchOptimizer.step();
            torchOptimizer.zero_grad();
            torchPhases[2] += Stopwatch.GetElapsedTime(t2).TotalSeconds;
        }

        long stepBytes = Measure.AllocatedBytes(NablaStep, warmup: 5);
        var nablaSamples = new List<double>();
        var torchSamples = new List<double>();
        for (int round = 0; round < rounds; round++)   // alternating, so that a noisy neighbour slows both alike
        {
            nablaSamples.Add(Measure.MedianSeconds(NablaStep, minSeconds: seconds / rounds));
            torchSamples.Add(Measure.MedianSeconds(TorchStep, minSeconds: seconds / rounds));
        }
        double n = Measure.Median(nablaSamples), t = Measure.Median(torchSamples);

        Console.WriteLine($"makemore-speed: makemore.py's Transformer ({model.ParameterCount():N0} parameters: vocab {Vocab}, block {Block}, " +
                          $"n_embd {Embd}, {Heads} heads, {Layers} layers), batch {Batch}, forward + loss + backward + AdamW");
        Console.WriteLine($"{ParallelFor.MaxThreads} threads each (Nabla ParallelFor.MaxThreads, torch.set_num_threads), GEMM {Gemm.KernelName}, " +
                          $"median of {rounds} alternating rounds; first loss Nabla {firstNabla:F4}, torch {firstTorch:F4} (same weights)");
        Console.WriteLine($"{"",-10} {"ms/step",9} {"steps/s",9} {"forward",9} {"backward",9} {"AdamW",9} {"alloc B/step",13}");
        Row("Nabla", n, phases, stepBytes);
        Row("TorchSharp", t, torchPhases, null);
        Console.WriteLine($"speed-up (Nabla steps/s ÷ torch steps/s): {t / n:F2}x, goal {Goal:F1}x");
        BenchReport.Add(BenchRow.Time($"makemore-speed transformer {Layers}×{Embd}, {Heads} heads, B {Batch}, T {Block}", n * 1e3, "TorchSharp", t * 1e3, "ms/step", Goal));
        var (mlpNabla, mlpTorch) = MakemoreMlpSpeed.Run(rounds, seconds);
        Console.WriteLine($"MLP (block {Block}, n_embd {Embd}, n_embd2 {Embd}) on {Batch * Block} contexts: Nabla {mlpNabla * 1e3:F2} ms/step, TorchSharp {mlpTorch * 1e3:F2} ms/step, speed-up {mlpTorch / mlpNabla:F2}x, goal {Goal:F1}x");
        BenchReport.Add(BenchRow.Time($"makemore-speed mlp block {Block}, n_embd {Embd}, n_embd2 {Embd}, {Batch * Block} contexts", mlpNabla * 1e3, "TorchSharp", mlpTorch * 1e3, "ms/step", Goal));
        if (args.Contains("--profile")) Profile(model, torchModel, seconds / rounds);
        return 0;
    }

    /// <summary>
    /// Where a step's time goes, part by part: each of a block's pieces run alone on a leaf input of the
    /// step's shape (B, T, C) = (32, 16, 64), forward then backward of a fixed output gradient, both libraries.
    /// </summary>
    private static void Profile(Nabla.Models.Transformer model, TorchTransformer torchModel, double seconds)
    {
        Nabla.Models.Transformer.Block block = model.Blocks[0];
        TorchBlock torchBlock = torchModel.Blocks[0];
        Tensor x = Tensor.Randn([Batch, Block, Embd], new Generator(5)).RequireGrad();
        Tensor dy = Tensor.Randn([Batch, Block, Embd], new Generator(6));
        TT tx = torch.tensor(x.ToArray(), [Batch, Block, Embd]).requires_grad_(true);
        TT tdy = torch.tensor(dy.ToArray(), [Batch, Block, Embd]);
        Console.WriteLine($"per part, forward + backward at (B, T, C) = ({Batch}, {Block}, {Embd}), median µs:");
        Console.WriteLine($"{"part",-28} {"Nabla µs",9} {"torch µs",9} {"ratio",6}");
        void Part(string name, Func<Tensor, Tensor> nabla, Func<TT, TT> torchPart)
        {
            double n = Measure.MedianSeconds(() => { using var s = new TensorScope(); nabla(x).Backward(dy); x.Grad = null; }, minSeconds: seconds);
            double t = Measure.MedianSeconds(() => { using var s = NewDisposeScope(); torchPart(tx).backward([tdy]); tx.grad?.zero_(); }, minSeconds: seconds);
            Console.WriteLine($"{name,-28} {n * 1e6,9:F0} {t * 1e6,9:F0} {t / n,6:F2}");
        }
        Part("LayerNorm", block.Ln1.Forward, torchBlock.ln_1.call);
        Part("attention (c_attn … c_proj)", block.Attn.Forward, torchBlock.attn.call);
        Part("MLP (c_fc, GELU, c_proj)", block.Mlp.Forward, torchBlock.mlp.call);
        Part("whole block", block.Forward, torchBlock.call);
    }

    private static void Row(string name, double median, double[] phases, long? bytes)
    {
        double total = phases.Sum();
        string Share(double p) => $"{100 * p / total,8:F0}%";
        Console.WriteLine($"{name,-10} {median * 1e3,9:F2} {1 / median,9:F0} {Share(phases[0])} {Share(phases[1])} {Share(phases[2])} {(bytes is long b ? b.ToString("N0") : "-"),13}");
    }

    /// <summary>32 rows shaped as makemore's: a start token, a name, a stop token, then −1 targets.</summary>
    private static (Tensor X, Tensor Y) Batch32()
    {
        var g = new Generator(2);
        var x = new int[Batch * Block];
        var y = new int[Batch * Block];
        Array.Fill(y, -1);
        for (int b = 0; b < Batch; b++)
        {
            int length = g.NextInt(3, Block);
            for (int i = 0; i < length; i++) x[b * Block + i + 1] = y[b * Block + i] = g.NextInt(1, Vocab);
            y[b * Block + length] = 0;
            x[b * Block + length] = y[b * Block + length - 1];
        }
        return (Tensor.FromArray(x, Batch, Block), Tensor.FromArray(y, Batch, Block));
    }

    /// <summary>makemore.py's Transformer as a TorchSharp module (fields named as its state dict without "transformer.").</summary>
    private sealed class TorchTransformer : nn.Module<TT, TT>
    {
        private readonly Embedding wte = nn.Embedding(Vocab, Embd), wpe = nn.Embedding(Block, Embd);
        internal readonly ModuleList<TorchBlock> h = nn.ModuleList(Enumerable.Range(0, Layers).Select(_ => new TorchBlock()).ToArray());
        private readonly LayerNorm ln_f = nn.LayerNorm(Embd);
        private readonly Linear lm_head = nn.Linear(Embd, Vocab, hasBias: false);

        public TorchTransformer() : base("Transformer") => RegisterComponents();

        public IReadOnlyList<TorchBlock> Blocks => h.ToList();

        public override TT forward(TT idx)
        {
            TT x = wte.call(idx) + wpe.call(arange(idx.shape[1]));
            foreach (TorchBlock block in h) x = block.call(x);
            return lm_head.call(ln_f.call(x));
        }
    }

    private sealed class TorchBlock : nn.Module<TT, TT>
    {
        internal readonly LayerNorm ln_1 = nn.LayerNorm(Embd), ln_2 = nn.LayerNorm(Embd);
        internal readonly TorchAttention attn = new();
        internal readonly TorchMlp mlp = new();

        public TorchBlock() : base("Block") => RegisterComponents();

        public override TT forward(TT x)
        {
            x = x + attn.call(ln_1.call(x));
            return x + mlp.call(ln_2.call(x));
        }
    }

    /// <summary>makemore.py's CausalSelfAttention: the scores masked with −∞ above the diagonal, then softmax.</summary>
    private sealed class TorchAttention : nn.Module<TT, TT>
    {
        private readonly Linear c_attn = nn.Linear(Embd, 3 * Embd), c_proj = nn.Linear(Embd, Embd);
        private readonly TT future = ones(Block, Block).triu(1).to(ScalarType.Bool).DetachFromDisposeScope();

        public TorchAttention() : base("CausalSelfAttention") => RegisterComponents();

        public override TT forward(TT x)
        {
            long B = x.shape[0], T = x.shape[1], hs = Embd / Heads;
            TT[] qkv = c_attn.call(x).split(Embd, 2);
            TT Split(TT z) => z.view(B, T, Heads, hs).transpose(1, 2);
            TT att = Split(qkv[0]).matmul(Split(qkv[1]).transpose(-2, -1)) * (1.0 / Math.Sqrt(hs));
            att = att.masked_fill(future[..(int)T, ..(int)T], float.NegativeInfinity).softmax(-1);
            return c_proj.call(att.matmul(Split(qkv[2])).transpose(1, 2).contiguous().view(B, T, Embd));
        }
    }

    private sealed class TorchMlp : nn.Module<TT, TT>
    {
        private readonly Linear c_fc = nn.Linear(Embd, 4 * Embd), c_proj = nn.Linear(4 * Embd, Embd);

        public TorchMlp() : base("Mlp") => RegisterComponents();

        public override TT forward(TT x) => c_proj.call(nn.functional.gelu(c_fc.call(x), GELU.Approximate.tanh));
    }
}
