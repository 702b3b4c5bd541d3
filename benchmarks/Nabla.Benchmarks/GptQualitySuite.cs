using System.Diagnostics;
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
/// "gpt-quality": what the <c>shakespeare-char-cpu</c> recipe (nanoGPT's CPU run) reaches, trained twice per seed
/// from the same initial weights on the same batches: once by Nabla, once by libtorch (TorchSharp, the functional
/// GPT of <see cref="TorchGpt"/>, with torch.optim.AdamW in nanoGPT's two groups, its schedule and
/// clip_grad_norm_). Each side's val loss is reported as nanoGPT reports it (the mean of eval_iters random windows)
/// and over the whole val split (<see cref="GptEvaluation"/>), so the recipe's result is told apart from the noise of
/// the 20-window estimate and from the seed. <c>--seeds 1337,1,2</c>, <c>--steps N</c> (default the recipe's).
/// </summary>
public static class GptQualitySuite
{
    private const string Suite = "gpt-quality";

    public static int Run(string[] args)
    {
        int at = Array.IndexOf(args, "--seeds");
        string seedList = at >= 0 && at + 1 < args.Length ? args[at + 1] : "1337";
        int[] seeds = seedList.Split(',').Select(s => int.TryParse(s, out int v) && v >= 0 ? v
            : throw new BadOptionException($"{Suite}: --seeds is a comma-separated list of non-negative integers, got '{seedList}'.")).ToArray();
        GptTrainConfig recipe = GptTrainConfig.ShakespeareCharCpu with { MaxIters = Measure.Option(args, Suite, "--steps", GptTrainConfig.ShakespeareCharCpu.MaxIters) };
        bool withTorch = !args.Contains("--no-torch") && !Peers.LibtorchMissing();
        GptData data = GptData.Load(GptDatasets.Resolve(recipe.Dataset, out _));
        torch.set_num_threads(ParallelFor.MaxThreads);

        Console.WriteLine($"{Suite}: shakespeare-char-cpu, {recipe.MaxIters} steps, {ParallelFor.MaxThreads} threads, GEMM {Gemm.KernelName}; val = mean of {recipe.EvalIters} random windows, whole = every val token");
        Console.WriteLine($"{"seed",6} {"Nabla val",10} {"whole",8} {"s",6}   {"torch val",10} {"whole",8} {"s",6}");
        var wholes = new List<(double Nabla, double Torch)>();
        foreach (int seed in seeds)
        {
            GptTrainConfig config = recipe with { Seed = seed };
            var model = new Gpt(config.Model(data.VocabSize), new Generator((ulong)seed));
            using var scope = NewDisposeScope();
            Dictionary<string, TorchSharp.Modules.Parameter> weights = model.NamedParameters().ToDictionary(p => p.Name,
                p => new TorchSharp.Modules.Parameter(torch.tensor(p.Parameter.ToArray(), p.Parameter.Shape.ToArray().Select(d => (long)d).ToArray()), requires_grad: true));

            var (nablaVal, nablaWhole, nablaSeconds) = TrainNabla(model, config, data);
            string torchText = "";
            if (withTorch)
            {
                var (torchVal, torchWhole, torchSeconds) = TrainTorch(weights, model.Config, config, data);
                torchText = $"{torchVal,10:F4} {torchWhole,8:F4} {torchSeconds,6:F0}";
                wholes.Add((nablaWhole, torchWhole));
            }
            else wholes.Add((nablaWhole, double.NaN));
            Console.WriteLine($"{seed,6} {nablaVal,10:F4} {nablaWhole,8:F4} {nablaSeconds,6:F0}   {torchText}");
        }
        if (seeds.Length > 1)
            Console.WriteLine($"{"mean",6} {"",10} {wholes.Average(w => w.Nabla),8:F4} {"",6}   {"",10} {wholes.Average(w => w.Torch),8:F4}");
        return 0;
    }

    /// <summary>The training batches: one stream per seed, the same for both sides, apart from the initial weights' stream.</summary>
    private static Generator TrainBatches(GptTrainConfig c) => new((ulong)c.Seed + 1000);

    /// <summary>The evaluation's val batches, the same for both sides.</summary>
    private static Generator EvalBatches(GptTrainConfig c) => new((ulong)c.Seed + 1);

    private static (double Val, double Whole, double Seconds) TrainNabla(Gpt model, GptTrainConfig c, GptData data)
    {
        AdamW optimizer = c.Optimizer(model);
        LearningRateSchedule schedule = c.Schedule();
        Generator batches = TrainBatches(c);
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < c.MaxIters; step++)
        {
            optimizer.LearningRate = schedule.At(step);
            using (var scope = new TensorScope())
            {
                var (x, y) = GptData.Batch(data.Train, c.BatchSize, c.BlockSize, batches);
                model.Loss(x, y).Backward();
            }
            GradientClipping.ClipGradNorm(model.Parameters(), c.GradClip);
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        Generator evalBatches = EvalBatches(c);
        double sum = 0;
        model.Eval();
        using (Tensor.NoGrad())
            for (int i = 0; i < c.EvalIters; i++)
            {
                using var scope = new TensorScope();
                var (x, y) = GptData.Batch(data.Val, c.BatchSize, c.BlockSize, evalBatches);
                sum += model.Loss(x, y).Item();
            }
        return (sum / c.EvalIters, GptEvaluation.SplitLoss(model, data.Val), seconds);
    }

    private static (double Val, double Whole, double Seconds) TrainTorch(Dictionary<string, TorchSharp.Modules.Parameter> w, GptConfig model, GptTrainConfig c, GptData data)
    {
        // nanoGPT's configure_optimizers: decay on the 2-D tensors only. Two optimizers are two parameter groups.
        var decayed = optim.AdamW(w.Values.Where(p => p.dim() >= 2), c.LearningRate, c.Beta1, c.Beta2, weight_decay: c.WeightDecay);
        var plain = optim.AdamW(w.Values.Where(p => p.dim() < 2), c.LearningRate, c.Beta1, c.Beta2, weight_decay: 0);
        LearningRateSchedule schedule = c.Schedule();
        Generator batches = TrainBatches(c);
        int B = c.BatchSize, T = c.BlockSize;
        TT Loss(Tensor x, Tensor y) => nn.functional.cross_entropy(
            TorchGpt.Logits(w, Long(x, B, T), model).view(B * T, model.VocabSize), Long(y, B * T));
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < c.MaxIters; step++)
        {
            using var scope = NewDisposeScope();
            double lr = schedule.At(step);
            foreach (var group in decayed.ParamGroups.Concat(plain.ParamGroups)) group.LearningRate = lr;
            var (x, y) = GptData.Batch(data.Train, B, T, batches);
            Loss(x, y).backward();
            nn.utils.clip_grad_norm_(w.Values, c.GradClip);
            decayed.step();
            plain.step();
            decayed.zero_grad();
            plain.zero_grad();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        Generator evalBatches = EvalBatches(c);
        double sum = 0;
        using (torch.no_grad())
        {
            for (int i = 0; i < c.EvalIters; i++)
            {
                using var scope = NewDisposeScope();
                var (x, y) = GptData.Batch(data.Val, B, T, evalBatches);
                sum += Loss(x, y).item<float>();
            }
            return (sum / c.EvalIters, WholeSplit(w, model, data.Val, T), seconds);
        }
    }

    /// <summary>The whole split in consecutive windows of <paramref name="T"/>, every position counted: GptEvaluation's sum in libtorch.</summary>
    private static double WholeSplit(Dictionary<string, TorchSharp.Modules.Parameter> w, GptConfig model, ushort[] tokens, int T)
    {
        double sum = 0;
        int predictions = tokens.Length - 1;
        for (int start = 0; start < predictions; start += T)
        {
            using var scope = NewDisposeScope();
            int length = Math.Min(T, predictions - start);
            var x = torch.tensor(tokens.AsSpan(start, length).ToArray().Select(t => (long)t).ToArray(), [1, length]);
            var y = torch.tensor(tokens.AsSpan(start + 1, length).ToArray().Select(t => (long)t).ToArray(), [length]);
            sum += nn.functional.cross_entropy(TorchGpt.Logits(w, x, model).view(length, model.VocabSize), y, reduction: nn.Reduction.Sum).item<float>();
        }
        return sum / predictions;
    }

    private static TT Long(Tensor t, params long[] shape) => torch.tensor(t.ToIntArray().Select(v => (long)v).ToArray(), shape);
}
