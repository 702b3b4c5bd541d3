using System.Diagnostics;
using Nabla.Data;
using Nabla.Kernels;
using Nabla.Models;
using Nabla.Optim;
using Nabla.Tensors;

namespace Nabla.Benchmarks;

/// <summary>
/// "makemore-quality MODEL": trains one of the lectures' fixed-context models as its lecture does (the
/// lectures' split of names.txt, SGD on minibatches of 32, the learning rate dropped tenfold once) and prints
/// the loss over the whole train and dev splits, the wall time and the target the lecture reached.
/// <c>--steps N</c> changes the length (the drop moves with it, scaled); <c>--decay-at N</c> sets the step of the
/// drop, which then repeats every N steps (0.1, 0.01, 0.001, ...).
/// </summary>
public static class MakemoreQualitySuite
{
    private sealed record Recipe(MakemoreConfig Config, int Steps, int DecayAt, float TargetVal);

    private static readonly Dictionary<string, Recipe> Recipes = new()
    {
        // Lecture 2: 200,000 steps, lr 0.1 then 0.01 after 100,000; the lecture's dev loss ≈ 2.17.
        ["mlp"] = new(new MakemoreConfig(), 200_000, 100_000, 2.17f),
        // Lecture 3: the same run with Kaiming init and BatchNorm; the lecture's dev loss 2.106.
        ["bnmlp"] = new(new MakemoreConfig(), 200_000, 100_000, 2.106f),
        // Lecture 5: 200,000 steps, lr 0.1 then 0.01 after 150,000; the lecture's dev loss 1.993.
        ["wavenet"] = new(WaveNet.LectureConfig, 200_000, 150_000, 1.993f),
    };

    public static int Run(string[] args)
    {
        if (args.Length == 0 || !Recipes.TryGetValue(args[0], out Recipe? recipe))
            throw new BadOptionException($"makemore-quality: name a model ({string.Join(", ", Recipes.Keys)})");
        string type = args[0];
        int steps = Measure.Option(args, "makemore-quality", "--steps", recipe.Steps);
        int decayAt = Measure.Option(args, "makemore-quality", "--decay-at", Math.Max(1, (int)((long)recipe.DecayAt * steps / recipe.Steps)));
        ulong seed = (ulong)Measure.Option(args, "makemore-quality", "--seed", 2147483647);

        var words = Words.Load(Datasets.Resolve("names.txt"));
        WordSplits split = words.Split(WordSplit.Lecture);
        int block = recipe.Config.BlockSize;
        var (xtr, ytr) = words.Contexts(split.Train, block);
        var (xdev, ydev) = words.Contexts(split.Val, block);

        var generator = new Generator(seed);
        CharModel model = MakemoreModels.Create(type, recipe.Config, generator);
        Console.WriteLine($"makemore-quality {type}: {model.ParameterCount():N0} parameters, block {block}, {xtr.Size(0):N0} train / {xdev.Size(0):N0} dev examples");
        Console.WriteLine($"SGD, batch 32, {steps:N0} steps, lr 0.1, ×0.1 every {decayAt:N0} steps; seed {seed}; {ParallelFor.MaxThreads} threads, GEMM {Gemm.KernelName}");

        var clock = Stopwatch.StartNew();
        int every = Math.Max(1, steps / 10);
        ContextTraining.Train(model, xtr, ytr, steps, new LearningRateSchedule.StepDecay(0.1f, decayAt, 0.1f), generator,
            onStep: (i, loss) =>
            {
                if ((i + 1) % every == 0) Console.WriteLine($"step {i + 1,7:N0}  minibatch loss {loss:F4}  {clock.Elapsed.TotalSeconds,7:F1} s");
            });
        double trainSeconds = clock.Elapsed.TotalSeconds;
        float train = ContextTraining.Loss(model, xtr, ytr), dev = ContextTraining.Loss(model, xdev, ydev);
        Console.WriteLine($"train {train:F4}  val {dev:F4}  (target val ≤ {recipe.TargetVal})  wall {trainSeconds:F1} s training, load average {LoadAverage()}");
        return 0;
    }

    /// <summary>The 1-minute load average (Linux), to read the wall time against: the machine may be shared.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
}
