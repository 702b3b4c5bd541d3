using System.Diagnostics;
using Nabla.Data;
using Nabla.Kernels;
using Nabla.Models;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Benchmarks;

/// <summary>
/// "makemore-seq MODEL": trains one of makemore.py's sequence models (rnn, gru, bow, transformer) on names.txt
/// with makemore's split (1,000 test names) through the shared <see cref="Trainer"/>, evaluating on the whole
/// test set and keeping the best checkpoint, and prints the best test loss. Two recipes:
/// <c>--recipe makemore</c> (the default) is makemore.py's: n_embd 64, n_embd2 64, 4 layers, 4 heads, AdamW
/// lr 5e-4, weight decay 0.01 on every parameter, betas (0.9, 0.99), eps 1e-8, batch 32, constant rate, no
/// clipping. <c>--recipe tuned</c> is what a practitioner adds: dropout, weight decay on the weight matrices
/// only, warm-up and cosine decay of the rate, gradient clipping.
/// </summary>
public static class MakemoreSeqSuite
{
    private const string Suite = "makemore-seq";

    public static int Run(string[] args)
    {
        if (args.Length == 0 || !MakemoreModels.Names.Contains(args[0]) || args[0] is "bigram" or "mlp")
            throw new BadOptionException($"{Suite}: give a model: rnn, gru, bow or transformer.");
        string type = args[0];
        int recipeAt = Array.IndexOf(args, "--recipe");
        string recipe = recipeAt >= 0 && recipeAt + 1 < args.Length ? args[recipeAt + 1] : "makemore";
        if (recipe is not ("makemore" or "tuned")) throw new BadOptionException($"{Suite}: --recipe is makemore or tuned, not '{recipe}'.");
        bool tuned = recipe == "tuned";
        int steps = Measure.Option(args, Suite, "--steps", tuned ? 30_000 : 20_000);
        int evalInterval = Measure.Option(args, Suite, "--eval-interval", 500);
        float dropout = tuned ? (float)Measure.Option(args, Suite, "--dropout", 0.1) : 0f;
        int seed = Measure.Option(args, Suite, "--seed", 3407);

        var words = Words.Load(Datasets.Resolve("names.txt"));
        WordSplits splits = words.Split(WordSplit.Makemore, (ulong)seed);
        var config = new MakemoreConfig
        {
            VocabularySize = words.VocabularySize, BlockSize = words.MaxLength + 1,
            NEmbd = 64, NEmbd2 = 64, NLayer = 4, NHead = 4, Dropout = dropout,
        };
        CharModel model = MakemoreModels.Create(type, config, new Generator((ulong)seed));
        var data = new MakemoreData(words, splits, model, batchSize: 32);

        Optimizer optimizer = tuned
            ? new AdamW(DecayGroups(model, 0.1f), 1e-3f, 0.9f, 0.99f, 1e-8f)
            : new AdamW(model.Parameters(), 5e-4f, 0.9f, 0.99f, 1e-8f, weightDecay: 0.01f);
        var options = new TrainerOptions
        {
            MaxSteps = steps, EvalInterval = evalInterval, EvalBatches = 1, LogInterval = 100, Seed = (ulong)seed,
            Schedule = tuned ? new LearningRateSchedule.WarmupCosine(1e-3f, 1e-4f, 200, steps) : new LearningRateSchedule.Constant(5e-4f),
            ClipNorm = tuned ? 1f : null,
        };
        string runPath = Path.Combine(Path.GetTempPath(), $"nabla-{Suite}-{type}-{recipe}-{Environment.ProcessId}");
        var run = new RunDirectory(runPath);

        Console.WriteLine($"{Suite} {type}, recipe {recipe}: {model.ParameterCount():N0} parameters, {steps:N0} steps, batch 32, " +
                          $"block {config.BlockSize}, dropout {config.Dropout}, {ParallelFor.MaxThreads} threads, GEMM {Gemm.KernelName}");
        Console.WriteLine($"train {splits.Train.Count:N0} names, test {splits.Test.Count:N0}; run directory {runPath}");
        Console.WriteLine($"{"step",7} {"train",8} {"test",8} {"best",8} {"seconds",8}");
        var clock = Stopwatch.StartNew();
        float bestSoFar = float.PositiveInfinity;
        var trainer = new Trainer(type, model, optimizer, data.Batch, model.Loss, options, run)
        {
            // The exact loss over all 1,000 test names, and over as many training names.
            EvaluateSplit = split => data.Evaluate(model, split, maxExamples: 1000),
            OnStep = m =>
            {
                if (m.ValLoss is not float v) return;
                bestSoFar = Math.Min(bestSoFar, v);
                Console.WriteLine($"{m.Step,7} {m.EvalTrainLoss,8:F4} {v,8:F4} {bestSoFar,8:F4} {m.ElapsedSeconds,8:F0}");
            },
        };
        TrainingResult result = trainer.Run();
        double wall = clock.Elapsed.TotalSeconds;

        // The best checkpoint, reloaded and evaluated again: the number is the kept model's, not a logged one.
        Checkpoint.LoadModel(run.BestCheckpoint, type, model);
        float best = trainer.Evaluate(Split.Val);
        Console.WriteLine($"{"model",-12} {"recipe",-9} {"params",9} {"steps",7} {"best test",10} {"wall s",7}");
        Console.WriteLine($"{type,-12} {recipe,-9} {model.ParameterCount(),9:N0} {result.Step,7:N0} {best,10:F4} {wall,7:F0}");
        Console.WriteLine(string.Join("  ", model.Sample(10, config.BlockSize, new Generator(7)).Select(words.Decode)));
        return 0;
    }

    /// <summary>nanoGPT's two groups: weight decay on matrices (embeddings, Linear weights), none on biases and LayerNorm gains.</summary>
    private static IEnumerable<ParameterGroup> DecayGroups(Module model, float weightDecay) =>
    [
        new ParameterGroup(model.Parameters().Where(p => p.Rank >= 2), weightDecay: weightDecay),
        new ParameterGroup(model.Parameters().Where(p => p.Rank < 2), weightDecay: 0f),
    ];
}
