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
        samples.Sort();
        return samples[samples.Count / 2];
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
