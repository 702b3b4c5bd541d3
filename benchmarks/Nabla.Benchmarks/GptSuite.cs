using Nabla.Kernels;
using Nabla.Models;
using Nabla.Optim;
using Nabla.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = Nabla.Tensors.Tensor;
using TT = TorchSharp.torch.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Benchmarks;

/// <summary>
/// "gpt": nanoGPT's character-level Shakespeare GPT (Nabla.Models.Gpt).
/// (a) One training iteration (forward, loss, backward, AdamW step, zero grad) of the <c>shakespeare-char-cpu</c>
/// and <c>shakespeare-char</c> configurations, beside the same network in TorchSharp (libtorch) written in
/// functional form on copies of the same weights, on the same batch and the same number of threads, in
/// alternating rounds; the first losses (without dropout) must agree. Each recipe runs with dropout 0, the same
/// function on both sides; a recipe that trains with dropout (<c>shakespeare-char</c>: 0.2) runs a second time
/// with it, on embeddings, attention probabilities and residual branches as nanoGPT (the same function in
/// distribution, other masks). Both optimizers are AdamW (lr 1e-3, β 0.9 / 0.99, weight decay 0.1 on every
/// parameter); gradient clipping is left out.
/// (b) Sampling 500 new tokens from the <c>shakespeare-char</c> GPT (random weights) with the cache of keys
/// and values and without it: tokens per second.
/// <c>--profile</c> times each part of an iteration instead of (a) (see <see cref="GptProfile"/>).
/// </summary>
public static class GptSuite
{
    private const int Vocab = 65;
    private const double Goal = 0.7;

    public static int Run(string[] args)
    {
        int rounds = Measure.Option(args, "gpt", "--rounds", 5);
        int tokens = Measure.Option(args, "gpt", "--tokens", 500);
        string only = Measure.Only(args);
        torch.set_num_threads(ParallelFor.MaxThreads);
        Console.WriteLine($"gpt: one training iteration (forward, loss, backward, AdamW step), {ParallelFor.MaxThreads} threads each, GEMM {Gemm.KernelName}, median of {rounds} alternating rounds");
        Console.WriteLine($"{"config",-22} {"model",-30} {"Nabla ms",10} {"torch ms",10} {"Nabla/torch",12} {"goal",6}");
        foreach (var (name, recipe) in GptTrainConfig.BuiltIn.OrderBy(c => c.Value.NEmbd))
            if (name.Contains(only, StringComparison.Ordinal))
            {
                TrainStep(name, recipe, rounds, args.Contains("--profile"), 0f);
                if (recipe.Dropout > 0f && !args.Contains("--profile")) TrainStep(name, recipe, rounds, profile: false, recipe.Dropout);
            }
        if ("sample".Contains(only, StringComparison.Ordinal)) Sampling(tokens);
        return 0;
    }

    private static void TrainStep(string name, GptTrainConfig recipe, int rounds, bool profile, float dropout)
    {
        GptConfig config = recipe.Model(Vocab) with { Dropout = dropout };
        int B = recipe.BatchSize, T = config.BlockSize;
        var model = new Gpt(config, new Generator(1337));
        var optimizer = new AdamW(model.Parameters(), 1e-3f, 0.9f, 0.99f, weightDecay: 0.1f);
        var data = new Generator(7);
        Tensor x = Tensor.RandInt(0, Vocab, [B, T], data), y = Tensor.RandInt(0, Vocab, [B, T], data);

        void NablaStep()
        {
            using (var scope = new TensorScope())
                model.Loss(x, y).Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }

        using var torchScope = NewDisposeScope();
        var weights = model.NamedParameters().ToDictionary(p => p.Name,
            p => new TorchSharp.Modules.Parameter(torch.tensor(p.Parameter.ToArray(), p.Parameter.Shape.ToArray().Select(d => (long)d).ToArray()), requires_grad: true));
        var tOptimizer = optim.AdamW(weights.Values, 1e-3, 0.9, 0.99, weight_decay: 0.1);
        TT tx = torch.tensor(x.ToIntArray().Select(v => (long)v).ToArray(), [B, T]);
        TT ty = torch.tensor(y.ToIntArray().Select(v => (long)v).ToArray(), [B * T]);
        TT TorchLoss(float p = 0f) => nn.functional.cross_entropy(TorchGpt.Logits(weights, tx, config, p).view(B * T, Vocab), ty);
        void TorchStep()
        {
            using var step = NewDisposeScope();
            TorchLoss(dropout).backward();
            tOptimizer.step();
            tOptimizer.zero_grad();
        }

        // The two sides compute the same function: their losses agree before any step.
        float nablaFirst;
        model.Eval();
        using (Tensor.NoGrad()) nablaFirst = model.Loss(x, y).Item();
        model.Train();
        float torchFirst;
        using (torch.no_grad()) torchFirst = TorchLoss().item<float>();
        if (Math.Abs(nablaFirst - torchFirst) > 1e-4)
            throw new InvalidOperationException($"gpt {name}: the networks differ: first loss {nablaFirst} in Nabla, {torchFirst} in libtorch");

        if (profile)
        {
            // The parts instead of the whole step: a profile is read for its proportions, not timed against a goal.
            GptProfile.Run(name, model, optimizer, weights, tOptimizer,
                () => { using var scope = new TensorScope(); model.Loss(x, y).Backward(); },
                () => { using var step = NewDisposeScope(); TorchLoss().backward(); }, B, 0.3);
            return;
        }

        // Each round is the median of a few steps.
        var (n, t) = Measure.AlternatingMedians(NablaStep, TorchStep, rounds, step => Measure.MedianSeconds(step, warmup: 1, minRuns: 3, minSeconds: 0.5));
        string shape = $"{config.NLayer}×{config.NEmbd}, {config.NHead} heads, {B}×{T}" + (dropout > 0f ? $", dropout {dropout}" : "");
        Console.WriteLine($"{name,-22} {shape,-30} {n * 1e3,10:F1} {t * 1e3,10:F1} {n / t,11:F2}x {Goal,5:F1}x   (first loss {nablaFirst:F4} / {torchFirst:F4})");
        // In the one table a ratio above 1 means Nabla is faster: a time of at most 0.7× libtorch's is a ratio of at least 1/0.7.
        BenchReport.Add(BenchRow.Time($"gpt {name} iteration ({shape})", n * 1e3, "TorchSharp", t * 1e3, "ms", 1 / Goal));
    }

    /// <summary>500 new tokens after a one-token prompt, the cache of keys and values against a full forward per token.</summary>
    private static void Sampling(int tokens)
    {
        GptConfig config = GptTrainConfig.ShakespeareChar.Model(Vocab) with { Dropout = 0f };
        var model = new Gpt(config, new Generator(1337));
        Console.WriteLine();
        Console.WriteLine($"gpt sample: {tokens} new tokens from shakespeare-char sizes ({config.NLayer}×{config.NEmbd}, block {config.BlockSize}, random weights), temperature 1, median of 3");
        Console.WriteLine($"{"generation",-40} {"tokens/s",10} {"s",8}");
        double cached = 0, uncached = 0;
        foreach (bool useCache in new[] { true, false })
        {
            var options = new SamplingOptions(Temperature: 1f, UseCache: useCache);
            int produced = 0;
            double seconds = Measure.MedianSeconds(() => produced = model.Generate([0], tokens, new Generator(42), options).Length, warmup: 1, minRuns: 3, minSeconds: 0);
            if (produced != tokens) throw new InvalidOperationException($"gpt sample: {produced} tokens generated, {tokens} asked for");
            if (useCache) cached = seconds; else uncached = seconds;
            string label = useCache ? "with the KV cache" : "without (full forward per token)";
            Console.WriteLine($"{label,-40} {tokens / seconds,10:F1} {seconds,8:F2}");
        }
        Console.WriteLine($"the cache is {uncached / cached:F1}x faster");
        BenchReport.Add(BenchRow.Rate($"gpt sample {tokens} tokens, KV cache ({config.NLayer}×{config.NEmbd})", tokens / cached, "Nabla, no cache", tokens / uncached, "tok/s"));
    }
}
