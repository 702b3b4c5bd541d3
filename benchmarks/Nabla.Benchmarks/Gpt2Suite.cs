using System.Diagnostics;
using Nabla.Kernels;
using Nabla.Models;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = Nabla.Tensors.Tensor;
using TT = TorchSharp.torch.Tensor;
using Generator = Nabla.Tensors.Generator;
using GELU = TorchSharp.Modules.GELU;

namespace Nabla.Benchmarks;

/// <summary>
/// "gpt2": GPT-2 small (124M parameters, random weights) beside the same network in TorchSharp (libtorch),
/// written in functional form on copies of the same weights, with the same number of threads, in alternating
/// rounds. Both sides must compute the same function: the logits after a prompt and the first training loss
/// are compared before anything is timed.
/// (a) Greedy generation at batch 1 after a one-token prompt: Nabla with its cache of keys and values, libtorch
/// with the same cache written by hand (keys and values of every layer kept in preallocated tensors) and
/// libtorch without a cache (the whole context through the model per token, the head on the last position,
/// as nanoGPT's generate). Decoding reads every weight once per token (0.5 GB in fp32), so it is bounded by
/// memory bandwidth.
/// (b) One training step at batch 4 × 64 tokens: forward, loss, backward, AdamW step, zero grad; with the
/// peak working set and managed heap of Nabla's side, read before libtorch's copy of the model exists.
/// Options: <c>--rounds N</c> (3), <c>--tokens N</c> new tokens per generation (32), <c>--only generate|train</c>.
/// </summary>
public static class Gpt2Suite
{
    private static readonly GptConfig Small = new(1024, 50257, 12, 12, 768, Bias: true, Gelu: GeluApproximation.Tanh);
    private const double TokensPerSecondGoal = 50, StepSecondsGoal = 1.3;
    private const int Batch = 4, Steps = 64;

    public static int Run(string[] args)
    {
        int rounds = Measure.Option(args, "gpt2", "--rounds", 3);
        int tokens = Measure.Option(args, "gpt2", "--tokens", 32);
        string only = Measure.Only(args);
        torch.set_num_threads(ParallelFor.MaxThreads);
        var model = new Gpt(Small, new Generator(1337));
        Console.WriteLine($"gpt2: GPT-2 small ({model.ParameterCount() / 1e6:F1}M parameters, random weights), {ParallelFor.MaxThreads} threads each, " +
                          $"GEMM {Gemm.KernelName}, median of {rounds} alternating rounds, load average {LoadAverage()}");

        using var torchScope = NewDisposeScope();
        var weights = model.NamedParameters().ToDictionary(p => p.Name,
            p => new TorchSharp.Modules.Parameter(torch.tensor(p.Parameter.ToArray(), p.Parameter.Shape.ToArray().Select(d => (long)d).ToArray()), requires_grad: true));
        if ("generate".Contains(only, StringComparison.Ordinal)) Generation(model, weights, tokens, rounds);
        if ("train".Contains(only, StringComparison.Ordinal)) TrainStep(model, weights, rounds);
        return 0;
    }

    private static void Generation(Gpt model, Dictionary<string, TorchSharp.Modules.Parameter> w, int tokens, int rounds)
    {
        // The same function on both sides: the logits after a short prompt agree.
        int[] prompt = [464, 2068, 7586, 21831];
        float[] nablaLogits;
        using (Tensor.NoGrad())
        using (new TensorScope())
        {
            model.Eval();
            nablaLogits = model.LastLogits(Tensor.FromArray(prompt, 1, prompt.Length)).ToArray();
        }
        float[] torchLogits;
        using (torch.no_grad())
        using (NewDisposeScope())
            torchLogits = TorchGpt.Logits(w, torch.tensor(prompt.Select(t => (long)t).ToArray(), [1, prompt.Length]), Small, lastOnly: true).data<float>().ToArray();
        double gap = nablaLogits.Zip(torchLogits, (a, b) => Math.Abs(a - b)).Max();
        if (gap > 1e-3) throw new InvalidOperationException($"gpt2: the networks differ: logits after the prompt are {gap} apart");

        var greedy = new SamplingOptions(Temperature: 0f);
        int[] nablaTokens = [], torchTokens = [];
        Action nabla = () => nablaTokens = model.Generate([prompt[0]], tokens, new Generator(1), greedy);
        Action torchCached = () => torchTokens = TorchGenerate(w, prompt[0], tokens, cached: true);
        Action torchUncached = () => TorchGenerate(w, prompt[0], tokens, cached: false);
        foreach (Action warm in new[] { nabla, torchCached, torchUncached }) warm();

        var samples = new List<double>[] { [], [], [] };
        for (int round = 0; round < rounds; round++)
            foreach (var (action, i) in new[] { (nabla, 0), (torchCached, 1), (torchUncached, 2) })
            {
                long start = Stopwatch.GetTimestamp();
                action();
                samples[i].Add(tokens / Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        double n = Measure.Median(samples[0]), tc = Measure.Median(samples[1]), tu = Measure.Median(samples[2]);
        int agree = nablaTokens.Zip(torchTokens, (a, b) => a == b).TakeWhile(same => same).Count();
        Console.WriteLine();
        Console.WriteLine($"greedy generation, batch 1, {tokens} new tokens after 1: tokens/s (Nabla rounds {Range(samples[0])})");
        Console.WriteLine($"  Nabla, KV cache              {n,8:F1}");
        Console.WriteLine($"  TorchSharp, KV cache         {tc,8:F1}");
        Console.WriteLine($"  TorchSharp, no cache         {tu,8:F1}");
        // The decoding step's bound: the head alone (the tied token embedding, 154 MB) through the matrix-vector kernel.
        float[] normed = new float[Small.NEmbd], headOut = new float[Small.VocabSize];
        double headSeconds = Measure.MedianSeconds(() => MatVecKernel.Forward(model.LmHeadWeight.AsReadOnlySpan(), normed, default, headOut, Small.VocabSize, Small.NEmbd), warmup: 2, minRuns: 10, minSeconds: 0.5);
        Console.WriteLine($"  head alone ({Small.VocabSize}×{Small.NEmbd} matrix-vector): {headSeconds * 1e3:F1} ms, {4.0 * Small.VocabSize * Small.NEmbd / headSeconds / 1e9:F1} GB/s of weights");
        Console.WriteLine($"  the first {agree} of {tokens} greedy tokens are the same on both sides (random weights: near-ties may part them)");
        string workload = $"gpt2 greedy generation, KV cache, {tokens} tokens (goal ≥ {TokensPerSecondGoal} tok/s)";
        BenchReport.Add(BenchRow.Rate(workload, n, "TorchSharp, KV cache", tc, "tok/s"));
        BenchReport.Add(BenchRow.Rate(workload, n, "TorchSharp, no cache", tu, "tok/s"));
    }

    private static void TrainStep(Gpt model, Dictionary<string, TorchSharp.Modules.Parameter> w, int rounds)
    {
        model.Train();
        var optimizer = new AdamW(model.Parameters(), 6e-4f, 0.9f, 0.95f, weightDecay: 0.1f);
        var data = new Generator(7);
        Tensor x = Tensor.RandInt(0, Small.VocabSize, [Batch, Steps], data), y = Tensor.RandInt(0, Small.VocabSize, [Batch, Steps], data);
        TT tx = torch.tensor(x.ToIntArray().Select(v => (long)v).ToArray(), [Batch, Steps]);
        TT ty = torch.tensor(y.ToIntArray().Select(v => (long)v).ToArray(), [Batch * Steps]);
        TT TorchLoss() => nn.functional.cross_entropy(TorchGpt.Logits(w, tx, Small, lastOnly: false).view(Batch * Steps, Small.VocabSize), ty);

        float nablaFirst;
        using (Tensor.NoGrad())
        using (new TensorScope()) nablaFirst = model.Loss(x, y).Item();
        float torchFirst;
        using (torch.no_grad())
        using (NewDisposeScope()) torchFirst = TorchLoss().item<float>();
        if (Math.Abs(nablaFirst - torchFirst) > 1e-3)
            throw new InvalidOperationException($"gpt2: the networks differ: first loss {nablaFirst} in Nabla, {torchFirst} in libtorch");

        // Each step's forward (with the loss), backward and optimizer times, to say where a step goes.
        var parts = new List<(double Forward, double Backward, double Optimizer)>();
        void NablaStep()
        {
            long start = Stopwatch.GetTimestamp();
            double forward, backward;
            using (new TensorScope())
            {
                Tensor loss = model.Loss(x, y);
                forward = Stopwatch.GetElapsedTime(start).TotalSeconds;
                loss.Backward();
                backward = Stopwatch.GetElapsedTime(start).TotalSeconds - forward;
            }
            optimizer.Step();
            optimizer.ZeroGrad();
            parts.Add((forward, backward, Stopwatch.GetElapsedTime(start).TotalSeconds - forward - backward));
        }

        var tOptimizer = optim.AdamW(w.Values, 6e-4, 0.9, 0.95, weight_decay: 0.1);
        var torchParts = new List<(double Forward, double Backward, double Optimizer)>();
        void TorchStep()
        {
            long start = Stopwatch.GetTimestamp();
            double forward, backward;
            using (NewDisposeScope())
            {
                TT loss = TorchLoss();
                forward = Stopwatch.GetElapsedTime(start).TotalSeconds;
                loss.backward();
                backward = Stopwatch.GetElapsedTime(start).TotalSeconds - forward;
            }
            tOptimizer.step();
            tOptimizer.zero_grad();
            torchParts.Add((forward, backward, Stopwatch.GetElapsedTime(start).TotalSeconds - forward - backward));
        }

        // Nabla's memory is read after its warm-up steps and before libtorch's gradients and moments exist
        // (libtorch's copy of the weights, 0.5 GB, is in the working set already).
        NablaStep();
        NablaStep();
        long workingSet = Process.GetCurrentProcess().PeakWorkingSet64;
        long heap = GC.GetGCMemoryInfo().HeapSizeBytes;
        TorchStep();

        var samples = new List<double>[] { [], [] };
        for (int round = 0; round < rounds; round++)
            foreach (var (action, i) in new[] { ((Action)NablaStep, 0), (TorchStep, 1) })
            {
                long start = Stopwatch.GetTimestamp();
                action();
                samples[i].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        double n = Measure.Median(samples[0]), t = Measure.Median(samples[1]);
        var median = MedianStep(parts, rounds);
        var torchMedian = MedianStep(torchParts, rounds);
        Console.WriteLine();
        Console.WriteLine($"training step, batch {Batch} × {Steps} tokens (forward, loss, backward, AdamW): first loss {nablaFirst:F4} / {torchFirst:F4}");
        Console.WriteLine($"  Nabla        {n,8:F3} s   (rounds {Range(samples[0])})");
        Console.WriteLine($"    forward and loss {median.Forward:F3} s, backward {median.Backward:F3} s, AdamW and zero grad {median.Optimizer:F3} s (median step)");
        Console.WriteLine($"  TorchSharp   {t,8:F3} s");
        Console.WriteLine($"    forward and loss {torchMedian.Forward:F3} s, backward {torchMedian.Backward:F3} s, AdamW and zero grad {torchMedian.Optimizer:F3} s (median step)");
        Console.WriteLine($"  Nabla peak working set {workingSet / 1e6:F0} MB (with libtorch's copy of the weights), managed heap {heap / 1e6:F0} MB");
        BenchReport.Add(BenchRow.Time($"gpt2 train step {Batch}×{Steps} (goal ≤ {StepSecondsGoal} s)", n, "TorchSharp", t, "s"));
        BenchReport.Add(new BenchRow("gpt2 train step: Nabla peak working set (incl. libtorch weights)", workingSet / 1e6, "—", null, "MB", null, null));
        BenchReport.Add(new BenchRow("gpt2 train step: Nabla managed heap", heap / 1e6, "—", null, "MB", null, null));
    }

    private static (double Forward, double Backward, double Optimizer) MedianStep(List<(double Forward, double Backward, double Optimizer)> parts, int rounds) =>
        parts[^rounds..].OrderBy(part => part.Forward + part.Backward + part.Optimizer).ElementAt(rounds / 2);

    /// <summary>Greedy tokens after <paramref name="first"/>: with a hand-written cache of keys and values
    /// (one position per token), or the whole context through the model per token.</summary>
    private static int[] TorchGenerate(Dictionary<string, TorchSharp.Modules.Parameter> w, int first, int count, bool cached)
    {
        using var grad = torch.no_grad();
        using var scope = NewDisposeScope();
        long C = Small.NEmbd, nh = Small.NHead, hs = C / nh;
        var keys = new TT[Small.NLayer];
        var values = new TT[Small.NLayer];
        for (int l = 0; l < Small.NLayer; l++)
        {
            keys[l] = torch.zeros(1, nh, Small.BlockSize, hs);
            values[l] = torch.zeros(1, nh, Small.BlockSize, hs);
        }
        var context = new List<long> { first };
        var generated = new int[count];
        for (int i = 0; i < count; i++)
        {
            using var step = NewDisposeScope();
            TT logits = cached
                ? CachedStep(w, context[^1], context.Count - 1, keys, values)
                : TorchGpt.Logits(w, torch.tensor(context.ToArray(), [1, context.Count]), Small, lastOnly: true);
            int next = (int)logits.argmax().item<long>();
            generated[i] = next;
            context.Add(next);
        }
        return generated;
    }

    /// <summary>One token at <paramref name="position"/> through the model, its keys and values written into the cache.</summary>
    private static TT CachedStep(Dictionary<string, TorchSharp.Modules.Parameter> w, long token, int position, TT[] keys, TT[] values)
    {
        long C = Small.NEmbd, nh = Small.NHead, hs = C / nh;
        TT x = (w["transformer.wte.weight"][token] + w["transformer.wpe.weight"][position]).view(1, 1, C);
        TT Heads(TT z) => z.view(1, 1, nh, hs).transpose(1, 2);               // (1, nh, 1, hs)
        for (int l = 0; l < Small.NLayer; l++)
        {
            string h = $"transformer.h.{l}";
            TT[] qkv = Linear(w, Norm(w, x, h + ".ln_1"), h + ".attn.c_attn").split(C, 2);
            keys[l].narrow(2, position, 1).copy_(Heads(qkv[1]));
            values[l].narrow(2, position, 1).copy_(Heads(qkv[2]));
            TT y = nn.functional.scaled_dot_product_attention(Heads(qkv[0]),
                keys[l].narrow(2, 0, position + 1), values[l].narrow(2, 0, position + 1));
            x = x + Linear(w, y.transpose(1, 2).reshape(1, 1, C), h + ".attn.c_proj");
            x = x + Linear(w, nn.functional.gelu(Linear(w, Norm(w, x, h + ".ln_2"), h + ".mlp.c_fc"), GELU.Approximate.tanh), h + ".mlp.c_proj");
        }
        return nn.functional.linear(Norm(w, x, "transformer.ln_f"), w["transformer.wte.weight"]);
    }

    private static TT Norm(Dictionary<string, TorchSharp.Modules.Parameter> w, TT h, string name) =>
        nn.functional.layer_norm(h, [Small.NEmbd], w[name + ".weight"], w[name + ".bias"]);

    private static TT Linear(Dictionary<string, TorchSharp.Modules.Parameter> w, TT h, string name) =>
        nn.functional.linear(h, w[name + ".weight"], w[name + ".bias"]);

    private static string Range(List<double> samples) => samples.Count == 0 ? "" : $"{samples.Min():G4}–{samples.Max():G4}";

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "unknown"; }
        catch (UnauthorizedAccessException) { return "unknown"; }
    }
}
