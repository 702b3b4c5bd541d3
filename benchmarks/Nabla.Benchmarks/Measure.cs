using System.Diagnostics;

namespace Nabla.Benchmarks;

/// <summary>Small timing harness: warm up, then the median of repeated timed runs (robust to a noisy neighbour).</summary>
public static class Measure
{
    /// <summary>Median seconds per call of <paramref name="action"/>, after warm-up; runs at least
    /// <paramref name="minRuns"/> times and until <paramref name="minSeconds"/> have passed.</summary>
    public static double MedianSeconds(Action action, int warmup = 3, int minRuns = 7, double minSeconds = 1.0)
    {
        for (int i = 0; i < warmup; i++) action();
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (samples.Count < minRuns || total.Elapsed.TotalSeconds < minSeconds)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            if (samples.Count >= 1000) break;
        }
        return Median(samples);
    }

    /// <summary>The fastest of repeated calls (at least 7, for at least <paramref name="minSeconds"/>) after
    /// 3 warm-up calls: on a machine shared with other jobs, the sample least disturbed by them.</summary>
    public static double BestSeconds(Action action, double minSeconds)
    {
        for (int i = 0; i < 3; i++) action();
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        for (int runs = 0; runs < 7 || total.Elapsed.TotalSeconds < minSeconds; runs++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }

    /// <summary>
    /// Times <paramref name="a"/> and <paramref name="b"/> in alternating rounds with <paramref name="time"/> (seconds
    /// per call), so that a noisy neighbour slows both alike, and returns the median of each one's rounds.
    /// </summary>
    public static (double A, double B) AlternatingMedians(Action a, Action b, int rounds, Func<Action, double> time)
    {
        var aSamples = new List<double>();
        var bSamples = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            aSamples.Add(time(a));
            bSamples.Add(time(b));
        }
        return (Median(aSamples), Median(bSamples));
    }

    /// <summary>The median of <paramref name="samples"/> (sorts them in place).</summary>
    public static double Median(List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }

    /// <summary>The positive number after <paramref name="name"/> in a suite's arguments, or
    /// <paramref name="fallback"/> when the option is absent; anything else is an error naming the suite.</summary>
    public static double Option(string[] args, string suite, string name, double fallback)
    {
        int at = Array.IndexOf(args, name);
        if (at < 0) return fallback;
        if (at + 1 >= args.Length || !double.TryParse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture, out double value) || value <= 0)
            throw new BadOptionException($"{suite}: {name} needs a positive number.");
        return value;
    }

    public static int Option(string[] args, string suite, string name, int fallback) => (int)Option(args, suite, name, (double)fallback);

    /// <summary>The text after <c>--only</c> (rows whose name contains it are run), or "" for all rows.</summary>
    public static string Only(string[] args)
    {
        int at = Array.IndexOf(args, "--only");
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : "";
    }

    /// <summary>Bytes allocated on this thread by one call, after warm-up.</summary>
    public static long AllocatedBytes(Action action, int warmup = 3)
    {
        for (int i = 0; i < warmup; i++) action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}

/// <summary>A suite's option had a bad value; the program reports the message as one line.</summary>
public sealed class BadOptionException(string message) : Exception(message);
