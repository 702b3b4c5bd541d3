using System.Diagnostics;
using System.Globalization;
using Nabla.Scalar;

namespace Nabla.Benchmarks;

/// <summary>
/// micrograd's moons training (100 points, MLP 2-16-16-1, hinge + L2, full-batch SGD): the time of one
/// step (forward + zero-grad + backward + update) and the bytes it allocates, beside Python micrograd.
/// The peer, Python micrograd, runs in the same benchmark run when <c>python3</c> can import it
/// (<c>pip install micrograd</c>, or <c>MICROGRAD_PATH</c> naming a checkout of karpathy/micrograd): a few
/// steps on the same points (<c>micrograd_peer.py</c>). Otherwise its figure is quoted: 1.87 s per step,
/// measured with CPython 3.11 on an AMD EPYC (Zen 4) core.
/// </summary>
public static class MicrogradBenchmark
{
    private const double PythonMicrogradSecondsPerStep = 1.87;
    private const double GoalSecondsPerStep = 0.009;

    public static int Run(string[] args)
    {
        var training = new MoonsTraining();
        (double Wall, double Cpu)? peer = RunPython(training, steps: 3);
        int step = 0;
        // Steps cycle through the schedule so the model keeps training as it would (the time of a step
        // does not depend on the weights: every step builds the same graph).
        void OneStep() => training.Step(step++ % training.Options.Steps);

        double seconds = Measure.MedianSeconds(OneStep, warmup: 10, minRuns: 30, minSeconds: 2.0);
        long bytes = Measure.AllocatedBytes(OneStep, warmup: 3);
        double forwardSeconds = Measure.MedianSeconds(() => training.Loss(), warmup: 5, minRuns: 30, minSeconds: 1.0);
        // 100 steps in a row: mean wall time, mean CPU time (less sensitive to neighbours taking the
        // cores), and what the garbage collector did.
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        TimeSpan pause = GC.GetTotalPauseDuration(), cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < 100; i++) OneStep();
        double meanSeconds = wall.Elapsed.TotalSeconds / 100;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / 100;
        double pauseSeconds = (GC.GetTotalPauseDuration() - pause).TotalSeconds / 100;
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
        double python = peer?.Wall ?? PythonMicrogradSecondsPerStep;
        double pythonCpu = peer?.Cpu ?? PythonMicrogradSecondsPerStep;
        string pythonName = peer is null ? "Python micrograd (quoted)" : "Python micrograd (median)";
        Console.WriteLine($"{pythonName,-28} {python,12:F4} {python * 1e3,10:F1} {1.0,9:F0}x");
        if (peer is not null)
            Console.WriteLine($"{"Python micrograd (CPU time)",-28} {pythonCpu,12:F4} {pythonCpu * 1e3,10:F1} {1.0,9:F0}x");
        Console.WriteLine($"{"Nabla.Scalar (median)",-28} {seconds,12:F6} {seconds * 1e3,10:F3} {python / seconds,9:F0}x");
        Console.WriteLine($"{"Nabla.Scalar (mean of 100)",-28} {meanSeconds,12:F6} {meanSeconds * 1e3,10:F3} {python / meanSeconds,9:F0}x");
        Console.WriteLine($"{"Nabla.Scalar (CPU time)",-28} {cpuSeconds,12:F6} {cpuSeconds * 1e3,10:F3} {pythonCpu / cpuSeconds,9:F0}x");
        Console.WriteLine($"forward alone (loss and accuracy, median): {forwardSeconds * 1e3:F3} ms; in 100 steps: {collections} collections, GC pauses {pauseSeconds * 1e3:F3} ms/step");
        Console.WriteLine($"allocated per step after warm-up: {bytes:N0} bytes ({(double)bytes / nodes:F1} bytes per graph node)");
        Console.WriteLine($"100-step training from scratch: {trainSeconds:F3} s (first steps include JIT), final accuracy {accuracy:P0}");
        Console.WriteLine($"goal >= 200x Python micrograd: {python / seconds:F0}x (median wall-clock) -> {(python / seconds >= 200 ? "met" : "NOT met")}");
        Console.WriteLine($"goal < {GoalSecondsPerStep * 1e3:F0} ms/step: {seconds * 1e3:F2} ms (median wall-clock) -> {(seconds < GoalSecondsPerStep ? "met" : "NOT met")}");
        BenchReport.Add(BenchRow.Time("micrograd moons step, MLP 2-16-16-1", seconds * 1e3, pythonName.Replace(" (median)", ""), python * 1e3, "ms/step", goal: 200));
        if (File.Exists("/proc/loadavg"))
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()} (wall-clock times stretch when the load exceeds the cores)");
        return 0;
    }

    /// <summary>Median seconds per step (wall-clock, CPU) of Python micrograd on the same points, or null
    /// when python3 or micrograd is not available.</summary>
    private static (double Wall, double Cpu)? RunPython(MoonsTraining training, int steps)
    {
        string? script = FindUpwards(Path.Combine("benchmarks", "Nabla.Benchmarks", "micrograd_peer.py"));
        if (script is null) return null;
        var start = new ProcessStartInfo("python3", [script, steps.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string? checkout = Environment.GetEnvironmentVariable("MICROGRAD_PATH");
        if (checkout is not null) start.Environment["PYTHONPATH"] = checkout;
        try
        {
            using Process process = Process.Start(start)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            for (int i = 0; i < training.Data.Count; i++)
                process.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{training.Data.X[i]:R} {training.Data.Y[i]:R} {training.Data.Labels[i]:R}"));
            process.StandardInput.Close();
            process.WaitForExit();
            if (process.ExitCode == 0)
            {
                string[] fields = output.Result.Trim().Split(' ');
                return (double.Parse(fields[0], CultureInfo.InvariantCulture), double.Parse(fields[1], CultureInfo.InvariantCulture));
            }
            Console.WriteLine($"(Python micrograd not run: {errors.Result.Trim().Split('\n')[^1]})");
            PythonMissing(errors.Result.Trim().Split('\n')[^1]);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("(Python micrograd not run: python3 not found)");
            PythonMissing("python3 not found");
        }
        return null;
    }

    private static void PythonMissing(string reason) => BenchReport.PeerMissing(
        $"Python micrograd not run ({reason}), its figure quoted: pip install micrograd, or set MICROGRAD_PATH to a checkout of karpathy/micrograd, to include it.");

    private static string? FindUpwards(string relativePath)
    {
        foreach (string origin in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, relativePath))) return Path.Combine(dir.FullName, relativePath);
        return null;
    }
}
