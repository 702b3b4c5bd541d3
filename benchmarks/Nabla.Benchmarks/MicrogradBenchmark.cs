using System.Diagnostics;
using Nabla.Scalar;

namespace Nabla.Benchmarks;

/// <summary>
/// micrograd's moons training (100 points, MLP 2-16-16-1, hinge + L2, full-batch SGD): the time of one
/// step (forward + zero-grad + backward + update) and the bytes it allocates, beside Python micrograd.
/// Python micrograd is not run here (no CPython in the benchmark process); its figure, 1.87 s per step,
/// was measured with CPython 3.11 on this machine's kind of CPU and is quoted from issue 3.
/// </summary>
public static class MicrogradBenchmark
{
    private const double PythonMicrogradSecondsPerStep = 1.87;
    private const double GoalSecondsPerStep = 0.009;

    public static int Run(string[] args)
    {
        var training = new MoonsTraining();
        int step = 0;
        // Steps cycle through the schedule so the model keeps training as it would (the time of a step
        // does not depend on the weights: every step builds the same graph).
        void OneStep() => training.Step(step++ % training.Options.Steps);

        double seconds = Measure.MedianSeconds(OneStep, warmup: 10, minRuns: 30, minSeconds: 2.0);
        long bytes = Measure.AllocatedBytes(OneStep, warmup: 3);
        double forwardSeconds = Measure.MedianSeconds(() => training.Loss(), warmup: 5, minRuns: 30, minSeconds: 1.0);
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        for (int i = 0; i < 100; i++) OneStep();
        string collections = $"{GC.CollectionCount(0) - gen0} gen0 / {GC.CollectionCount(1) - gen1} gen1 / {GC.CollectionCount(2) - gen2} gen2";
        var (loss, _) = training.Loss();
        int nodes = loss.Graph().Count;

        var fresh = new MoonsTraining();
        var clock = Stopwatch.StartNew();
        fresh.Train();
        double trainSeconds = clock.Elapsed.TotalSeconds;
        double accuracy = fresh.Accuracy();

        Console.WriteLine($"micrograd moons step: 100 points, MLP 2-16-16-1 ({training.Model.Parameters().Count} parameters), {nodes:N0} graph nodes per step");
        Console.WriteLine($"{"",-28} {"s/step",12} {"ms/step",10} {"vs Python",10}");
        Console.WriteLine($"{"Python micrograd (quoted)",-28} {PythonMicrogradSecondsPerStep,12:F4} {PythonMicrogradSecondsPerStep * 1e3,10:F1} {1.0,9:F0}x");
        Console.WriteLine($"{"Nabla.Scalar (median)",-28} {seconds,12:F6} {seconds * 1e3,10:F3} {PythonMicrogradSecondsPerStep / seconds,9:F0}x");
        Console.WriteLine($"of which forward (loss and accuracy): {forwardSeconds * 1e3:F3} ms; garbage collections in 100 steps: {collections}");
        Console.WriteLine($"allocated per step after warm-up: {bytes:N0} bytes ({(double)bytes / nodes:F1} bytes per graph node)");
        Console.WriteLine($"100-step training from scratch: {trainSeconds:F3} s (first steps include JIT), final accuracy {accuracy:P0}");
        Console.WriteLine($"goal: < {GoalSecondsPerStep * 1e3:F0} ms/step (>= 200x Python): {(seconds < GoalSecondsPerStep ? "met" : "NOT met")}");
        return 0;
    }
}
