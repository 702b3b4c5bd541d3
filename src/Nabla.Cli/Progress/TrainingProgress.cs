using System.Diagnostics;
using Spectre.Console;

namespace Nabla.Cli;

/// <summary>What a long job tells its progress display after each step.</summary>
public interface IStepReporter
{
    /// <summary>Step <paramref name="step"/> (1-based) of the job is done; <paramref name="metrics"/> is
    /// a short text such as <c>loss 0.1234  acc 97%</c>.</summary>
    void Step(int step, string metrics);

    /// <summary>A line of its own (a sample, a checkpoint saved), printed above the live display.</summary>
    void Line(string text);
}

/// <summary>
/// Progress for long jobs: a live display (bar, step, metrics, rate, time left) when stdout is a
/// terminal, and plain log lines when it is not (CI logs, pipes, tests).
/// </summary>
public static class TrainingProgress
{
    /// <summary>Runs <paramref name="body"/> with a reporter. In plain mode a line is printed every
    /// <paramref name="logEvery"/> steps and at the last step.</summary>
    public static T Run<T>(string title, int totalSteps, TextWriter output, Func<IStepReporter, T> body, int logEvery = 1)
    {
        bool live = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!live) return body(new PlainReporter(title, totalSteps, output, Math.Max(1, logEvery)));

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                     new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask(Markup.Escape(title), maxValue: totalSteps);
                result = body(new LiveReporter(title, totalSteps, task));
                task.Value = task.MaxValue;
            });
        return result;
    }

    internal static string Describe(int step, int total, string metrics, Stopwatch clock)
    {
        double seconds = clock.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? step / seconds : 0;
        string left = rate > 0 ? FormatDuration(TimeSpan.FromSeconds((total - step) / rate)) : "?";
        return $"step {step}/{total}  {metrics}  {FormatRate(rate)}  left {left}";
    }

    private static string FormatRate(double stepsPerSecond) =>
        stepsPerSecond >= 1 ? $"{stepsPerSecond:F1} steps/s" : $"{(stepsPerSecond > 0 ? 1 / stepsPerSecond : 0):F1} s/step";

    private static string FormatDuration(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");

    private sealed class PlainReporter(string title, int total, TextWriter output, int logEvery) : IStepReporter
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public void Step(int step, string metrics)
        {
            if (step % logEvery == 0 || step == total)
                output.WriteLine($"{title}: {Describe(step, total, metrics, _clock)}");
        }

        public void Line(string text) => output.WriteLine(text);
    }

    private sealed class LiveReporter(string title, int total, ProgressTask task) : IStepReporter
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public void Step(int step, string metrics)
        {
            task.Description = Markup.Escape($"{title}: {Describe(step, total, metrics, _clock)}");
            task.Value = step;
        }

        public void Line(string text) => AnsiConsole.WriteLine(text);
    }
}
