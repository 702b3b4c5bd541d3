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
        Console.WriteLine($"{"workload",-48} {"Nabla ms",9} {"torch ms",9} {"speed-up",9} {"goal",6} {"alloc B/step",13} {"optimizer B",12}");
        if ("mlp".Contains(only, StringComparison.Ordinal)) Mlp(seconds);
        if ("transformer".Contains(only, StringComparison.Ordinal)) Transformer(seconds);
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

    /// <summary>A 2-layer GPT (width 128, 4 heads, block 64, batch 12, 65 characters): pre-norm blocks of causal
    /// self-attention and a 4× GELU MLP, nanoGPT's shape at its CPU size.</summary>
    private static void Transformer(double seconds)
    {
        const int Batch = 12, Block = 64, Width = 128, Heads = 4, Layers = 2, Vocab = 65;
        var g = new Generator(3);
        var model = new TinyGpt(Vocab, Block, Width, Heads, Layers, g);
        var optimizer = new AdamW(model.Parameters(), 1e-3f);
        var data = new Generator(4);
        Tensor x = Tensor.RandInt(0, Vocab, [Batch, Block], data), y = Tensor.RandInt(0, Vocab, [Batch, Block], data);

        void NablaStep()
        {
            using (var scope = new TensorScope())
                model.Forward(x).Reshape(Batch * Block, Vocab).CrossEntropy(y.Reshape(Batch * Block)).Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }

        // The same network in libtorch, functional, on copies of the same weights.
        using var torchScope = NewDisposeScope();
        var p = model.NamedParameters().ToDictionary(n => n.Name,
            n => new TorchSharp.Modules.Parameter(torch.tensor(n.Parameter.ToArray(), n.Parameter.Shape.ToArray().Select(d => (long)d).ToArray()), requires_grad: true));
        var tOptimizer = optim.AdamW(p.Values, 1e-3);
        TorchTensor tx = torch.tensor(x.ToIntArray().Select(v => (long)v).ToArray(), [Batch, Block]);
        TorchTensor ty = torch.tensor(y.ToIntArray().Select(v => (long)v).ToArray(), [Batch * Block]);
        TorchTensor positions = torch.arange(Block);
        TorchTensor Heads4(TorchTensor t) => t.view(Batch, Block, Heads, Width / Heads).transpose(1, 2);
        TorchTensor TorchLoss()
        {
            TorchTensor h = p["wte.weight"][tx] + p["wpe.weight"][positions];
            for (int l = 0; l < Layers; l++)
            {
                string b = $"h.{l}.";
                TorchTensor a = nn.functional.layer_norm(h, [Width], p[b + "ln_1.weight"], p[b + "ln_1.bias"]);
                TorchTensor[] qkv = nn.functional.linear(a, p[b + "attn.c_attn.weight"], p[b + "attn.c_attn.bias"]).split(Width, 2);
                TorchTensor att = nn.functional.scaled_dot_product_attention(Heads4(qkv[0]), Heads4(qkv[1]), Heads4(qkv[2]), null, 0.0, true);
                h = h + nn.functional.linear(att.transpose(1, 2).contiguous().view(Batch, Block, Width), p[b + "attn.c_proj.weight"], p[b + "attn.c_proj.bias"]);
                TorchTensor m = nn.functional.layer_norm(h, [Width], p[b + "ln_2.weight"], p[b + "ln_2.bias"]);
                m = nn.functional.gelu(nn.functional.linear(m, p[b + "mlp.c_fc.weight"], p[b + "mlp.c_fc.bias"]));
                h = h + nn.functional.linear(m, p[b + "mlp.c_proj.weight"], p[b + "mlp.c_proj.bias"]);
            }
            TorchTensor logits = nn.functional.linear(nn.functional.layer_norm(h, [Width], p["ln_f.weight"], p["ln_f.bias"]), p["lm_head.weight"]);
            return nn.functional.cross_entropy(logits.view(Batch * Block, Vocab), ty);
        }
        void TorchStep()
        {
            using var step = NewDisposeScope();
            TorchLoss().backward();
            tOptimizer.step();
            tOptimizer.zero_grad();
        }

        // The two sides compute the same function: their losses agree before any step.
        float nablaFirst;
        using (Tensor.NoGrad()) nablaFirst = model.Forward(x).Reshape(Batch * Block, Vocab).CrossEntropy(y.Reshape(Batch * Block)).Item();
        double torchFirst;
        using (torch.no_grad()) torchFirst = TorchLoss().item<float>();
        if (Math.Abs(nablaFirst - torchFirst) > 1e-4)
            throw new InvalidOperationException($"train: the transformers differ: loss {nablaFirst} in Nabla, {torchFirst} in libtorch");

        Report("transformer 2 layers, C 128, 4 heads, T 64, B 12", NablaStep, TorchStep, optimizer, goal: 1.2, seconds);
    }

    /// <summary>Token and position embeddings, pre-norm blocks, final norm, head: the benchmark's transformer.</summary>
    private sealed class TinyGpt : Module<Tensor, Tensor>
    {
        private readonly Embedding wte, wpe;
        private readonly List<(LayerNorm Ln1, CausalSelfAttention Attn, LayerNorm Ln2, Linear Fc, Linear Proj)> blocks = [];
        private readonly LayerNorm lnF;
        private readonly Linear head;
        private readonly Tensor positions;

        public TinyGpt(int vocab, int block, int width, int heads, int layers, Generator g)
        {
            wte = Child("wte", new Embedding(vocab, width, g));
            wpe = Child("wpe", new Embedding(block, width, g));
            var h = Child("h", new Blocks());
            for (int l = 0; l < layers; l++) blocks.Add(h.Add(l, width, heads, g));
            lnF = Child("ln_f", new LayerNorm(width));
            head = Child("lm_head", new Linear(width, vocab, bias: false, generator: g));
            positions = Tensor.ArangeInt(block);
        }

        public override Tensor Forward(Tensor idx)
        {
            Tensor x = wte.Forward(idx) + wpe.Forward(positions);                // (B, T, C)
            foreach (var (ln1, attn, ln2, fc, proj) in blocks)
            {
                x = x + attn.Forward(ln1.Forward(x));
                x = x + proj.Forward(fc.Forward(ln2.Forward(x)).Gelu());
            }
            return head.Forward(lnF.Forward(x));                                // (B, T, vocab)
        }

        private sealed class Blocks : Module
        {
            public (LayerNorm, CausalSelfAttention, LayerNorm, Linear, Linear) Add(int index, int width, int heads, Generator g)
            {
                var block = Child(index.ToString(System.Globalization.CultureInfo.InvariantCulture), new Block(width, heads, g));
                return (block.Ln1, block.Attn, block.Ln2, block.Fc, block.Proj);
            }
        }

        private sealed class Block : Module
        {
            public readonly LayerNorm Ln1, Ln2;
            public readonly CausalSelfAttention Attn;
            public readonly Linear Fc, Proj;

            public Block(int width, int heads, Generator g)
            {
                Ln1 = Child("ln_1", new LayerNorm(width));
                Attn = Child("attn", new CausalSelfAttention(width, heads, generator: g));
                Ln2 = Child("ln_2", new LayerNorm(width));
                var mlp = Child("mlp", new Mlp(width, g));
                (Fc, Proj) = (mlp.Fc, mlp.Proj);
            }
        }

        private sealed class Mlp : Module
        {
            public readonly Linear Fc, Proj;

            public Mlp(int width, Generator g)
            {
                Fc = Child("c_fc", new Linear(width, 4 * width, generator: g));
                Proj = Child("c_proj", new Linear(4 * width, width, generator: g));
            }
        }
    }

    private static void Report(string name, Action nabla, Action torchStep, Optimizer optimizer, double goal, double seconds)
    {
        long stepBytes = Measure.AllocatedBytes(nabla, warmup: 5);
        long optimizerBytes = Measure.AllocatedBytes(optimizer.Step, warmup: 1);
        var (n, t) = Measure.AlternatingMedians(nabla, torchStep, rounds: 5, step => Measure.MedianSeconds(step, minSeconds: seconds / 5));
        Console.WriteLine($"{name,-48} {n * 1e3,9:F3} {t * 1e3,9:F3} {t / n,8:F2}x {goal,5:F1}x {stepBytes,13:N0} {optimizerBytes,12:N0}");
        BenchReport.Add(BenchRow.Time($"train {name}", n * 1e3, "TorchSharp", t * 1e3, "ms/step", goal));
    }
}
