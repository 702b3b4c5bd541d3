namespace Nabla.Kernels;

/// <summary>The body of a parallel loop: handles the index range [start, end). A struct, so the
/// loop is specialized per body and no delegate is allocated per call.</summary>
public interface IRangeAction
{
    void Invoke(int start, int end);
}

/// <summary>
/// The one parallel-for of the kernels. Work below <c>minPerTask</c> items per thread runs inline on
/// the caller's thread: fanning out small work costs more than it saves.
/// Reference implementation: the tuned version (no per-call allocation, dedicated workers) replaces
/// this body and keeps the signature.
/// </summary>
public static class ParallelFor
{
    /// <summary>How many threads kernels may use (default: all cores).</summary>
    public static int MaxThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Runs <paramref name="action"/> over [0, count) split into contiguous ranges, one per
    /// thread, each at least <paramref name="minPerTask"/> long. The body must only write through
    /// memory it was given (it runs as copies on several threads).</summary>
    public static void Run<TAction>(int count, int minPerTask, TAction action) where TAction : struct, IRangeAction
    {
        int tasks = Math.Min(MaxThreads, count / Math.Max(1, minPerTask));
        if (tasks <= 1)
        {
            action.Invoke(0, count);
            return;
        }
        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = tasks }, t =>
        {
            int start = (int)((long)count * t / tasks);
            int end = (int)((long)count * (t + 1) / tasks);
            action.Invoke(start, end);
        });
    }
}
