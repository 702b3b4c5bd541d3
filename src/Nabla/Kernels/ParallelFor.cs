namespace Nabla.Kernels;

/// <summary>The body of a parallel loop: handles the index range [start, end). A struct, so the
/// loop is specialized per body and no delegate is allocated per call.</summary>
public interface IRangeAction
{
    void Invoke(int start, int end);
}

/// <summary>
/// The one parallel-for of the kernels. <c>Run(count, minPerTask, action)</c> splits [0, count) into
/// at most <see cref="MaxThreads"/> contiguous ranges of at least <c>minPerTask</c> items; the caller
/// runs the first range itself and persistent worker threads run the others.
/// </summary>
/// <remarks>
/// Why not <c>Parallel.For</c>: it allocates a closure, a task and its bookkeeping on every call, and a
/// training step makes thousands of small kernel calls. Here the workers are started once; after a job
/// a worker keeps polling for the next one for <see cref="WorkerPool.SpinMicroseconds"/> before it blocks
/// on an event (OpenMP runtimes do the same), so back-to-back kernels hand work over without waking a
/// sleeping thread, while a process that stops calling kernels goes idle a fraction of a millisecond
/// later. The action travels through a per-type holder (<see cref="Job{TAction}"/>) that is created once
/// per action type, so a call allocates nothing.
///
/// Small work never fans out: below <c>2 · minPerTask</c> items the body runs inline. Nested calls (a
/// body that itself calls <c>Run</c>) and concurrent calls from other threads while the workers are busy
/// also run inline — with the same split, one range after another — so results never depend on who
/// got the workers. The split depends only on <c>count</c>, <c>minPerTask</c> and <see cref="MaxThreads"/>:
/// the same thread count gives the same ranges, run after run.
/// </remarks>
public static class ParallelFor
{
    private static int maxThreads = Environment.ProcessorCount;

    /// <summary>How many threads kernels may use (default: all cores). Settable at any time between calls.</summary>
    public static int MaxThreads
    {
        get => Volatile.Read(ref maxThreads);
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "ParallelFor.MaxThreads must be at least 1.");
            Volatile.Write(ref maxThreads, value);
        }
    }

    /// <summary>How many ranges <see cref="Run{TAction}"/> splits <paramref name="count"/> items into.</summary>
    public static int TaskCount(int count, int minPerTask) =>
        (int)Math.Clamp(count / Math.Max(1, (long)minPerTask), 1, MaxThreads);

    /// <summary>Start of range <paramref name="task"/> when [0, count) is split into <paramref name="tasks"/> ranges.</summary>
    public static int RangeStart(int count, int tasks, int task) => (int)((long)count * task / tasks);

    /// <summary>Runs <paramref name="action"/> over [0, count) split into contiguous ranges, one per
    /// thread, each at least <paramref name="minPerTask"/> long. The body must only write through
    /// memory it was given (it runs as copies on several threads). An exception thrown by any range is
    /// rethrown on the caller after all ranges finished.</summary>
    public static void Run<TAction>(int count, int minPerTask, TAction action) where TAction : struct, IRangeAction
    {
        if (count <= 0) return;
        int tasks = TaskCount(count, minPerTask);
        if (tasks == 1)
        {
            action.Invoke(0, count);
            return;
        }
        if (!WorkerPool.TryAcquire(tasks - 1))
        {
            // Workers busy (a nested or concurrent call): same split, one range after another.
            for (int t = 0; t < tasks; t++) action.Invoke(RangeStart(count, tasks, t), RangeStart(count, tasks, t + 1));
            return;
        }
        Job<TAction> job = Job<TAction>.Instance;
        job.Action = action;
        job.Count = count;
        job.Tasks = tasks;
        WorkerPool.RunAndRelease(job);
    }

    /// <summary>The work handed to the pool: one range per task index.</summary>
    internal abstract class Job
    {
        public int Count;
        public int Tasks;
        public abstract void Execute(int task);

        /// <summary>Drops the action (it may hold references) before the pool is released.</summary>
        public abstract void Clear();
    }

    /// <summary>Carries a struct action to the workers without boxing. Only one job runs on the pool at a
    /// time (the pool is acquired first), so one instance per action type suffices.</summary>
    private sealed class Job<TAction> : Job where TAction : struct, IRangeAction
    {
        public static readonly Job<TAction> Instance = new();
        public TAction Action;

        public override void Execute(int task) =>
            Action.Invoke(RangeStart(Count, Tasks, task), RangeStart(Count, Tasks, task + 1));

        public override void Clear() => Action = default;
    }
}

/// <summary>
/// Persistent worker threads for <see cref="ParallelFor"/>. One job at a time: the caller acquires the
/// pool, offers range i to worker i − 1, runs range 0 itself, then runs every offered range that no worker
/// has claimed yet, and finally waits for the ranges workers did claim. So a worker that is slow to wake
/// (its core busy with another process) never holds the caller up: its range is simply run by the caller.
/// Workers are created when first needed and live for the process (background threads).
/// </summary>
/// <remarks>
/// Each offer carries a ticket, an even number unique to that offer; claiming a range is turning the
/// offer's ticket odd with one compare-and-swap, so exactly one thread runs it. The job and range are
/// written before the ticket is published and read after it is seen, so a worker that wakes late, after
/// its offer was taken and a new one made, either claims the new offer whole or claims nothing.
/// </remarks>
internal static class WorkerPool
{
    /// <summary>How long a worker polls for the next job, and the caller for the end of its job, before
    /// blocking. Waking a blocked thread goes through the kernel's scheduler, which on a busy VM can take
    /// as long as a whole elementwise kernel at a small GPT's sizes (≈ 10 µs); kernels of a training step
    /// follow each other within microseconds, so a polling worker is usually there to take the next one.
    /// 200 µs bounds what an idle process burns after its last kernel.</summary>
    public const int SpinMicroseconds = 200;

    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    private sealed class Worker
    {
        // Set by the caller after each offer; a worker blocks on it only after polling for SpinTicks.
        public readonly ManualResetEventSlim Wake = CreateEvent();
        public ParallelFor.Job? Job;
        public int Task;
        public long Ticket = 1; // odd: nothing on offer
    }

    private static readonly object GrowLock = new();
    private static readonly ManualResetEventSlim AllDone = CreateEvent();
    private static Worker[] workers = [];
    private static int busy;
    private static int pending;
    private static long nextTicket;
    private static Exception? firstError;

    /// <summary>Claims the pool for one job needing <paramref name="extraWorkers"/> workers; false when another
    /// job holds it (a nested or concurrent call).</summary>
    public static bool TryAcquire(int extraWorkers)
    {
        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0) return false;
        if (workers.Length < extraWorkers) Grow(extraWorkers);
        return true;
    }

    /// <summary>Runs <paramref name="job"/>'s ranges (0 here, the others on whichever thread claims them),
    /// waits for all of them, releases the pool, and rethrows the first exception any range threw.</summary>
    public static void RunAndRelease(ParallelFor.Job job)
    {
        int extraWorkers = job.Tasks - 1;
        Volatile.Write(ref pending, extraWorkers);
        Worker[] crew = workers;
        for (int i = 0; i < extraWorkers; i++)
        {
            Worker worker = crew[i];
            worker.Job = job;
            worker.Task = i + 1;
            nextTicket += 2;
            Volatile.Write(ref worker.Ticket, nextTicket);
            worker.Wake.Set();
        }
        Execute(job, 0);
        for (int i = 0; i < extraWorkers; i++)
        {
            Worker worker = crew[i];
            long ticket = Volatile.Read(ref worker.Ticket);
            if ((ticket & 1) == 0 && Interlocked.CompareExchange(ref worker.Ticket, ticket + 1, ticket) == ticket)
            {
                Finish(job, i + 1);
            }
        }
        WaitUntilAllDone();
        job.Clear();
        Exception? error = firstError;
        firstError = null;
        Volatile.Write(ref busy, 0);
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
    }

    /// <summary>Polls <see cref="pending"/> for a while (the workers are usually a few microseconds
    /// behind the caller), then blocks on <see cref="AllDone"/>. The event may still carry a set from an
    /// earlier job whose last worker decremented before the caller saw zero and set after, so a wake-up
    /// only ends the wait once the count really is zero.</summary>
    private static void WaitUntilAllDone()
    {
        if (Poll(new AllRangesDone())) return;
        while (Volatile.Read(ref pending) != 0)
        {
            AllDone.Wait();
            AllDone.Reset();
        }
    }

    /// <summary>Spins until <paramref name="ready"/> says so or <see cref="SpinTicks"/> have passed.</summary>
    private static bool Poll<TCondition>(TCondition ready) where TCondition : struct, ICondition
    {
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
        while (!ready.Holds())
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() > deadline) return false;
            Thread.SpinWait(4);
        }
        return true;
    }

    private interface ICondition
    {
        bool Holds();
    }

    private readonly struct AllRangesDone : ICondition
    {
        public bool Holds() => Volatile.Read(ref pending) == 0;
    }

    private readonly struct OfferWaiting(Worker worker) : ICondition
    {
        public bool Holds() => (Volatile.Read(ref worker.Ticket) & 1) == 0;
    }

    /// <summary>An unset event that has blocked once: the event creates its lock object the first time a
    /// wait blocks, and that one allocation belongs at start-up, not in some later kernel call.</summary>
    private static ManualResetEventSlim CreateEvent()
    {
        var e = new ManualResetEventSlim(false);
        e.Wait(1);
        return e;
    }

    private static void Execute(ParallelFor.Job job, int task)
    {
        try
        {
            job.Execute(task);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref firstError, e, null);
        }
    }

    /// <summary>Runs an offered range that this thread claimed, and counts it done.</summary>
    private static void Finish(ParallelFor.Job job, int task)
    {
        Execute(job, task);
        if (Interlocked.Decrement(ref pending) == 0) AllDone.Set();
    }

    private static void Grow(int extraWorkers)
    {
        lock (GrowLock)
        {
            var grown = new Worker[extraWorkers];
            Array.Copy(workers, grown, workers.Length);
            for (int i = workers.Length; i < extraWorkers; i++)
            {
                var worker = new Worker();
                grown[i] = worker;
                new Thread(() => Loop(worker)) { IsBackground = true, Name = $"Nabla.ParallelFor {i + 1}" }.Start();
            }
            workers = grown;
        }
    }

    private static void Loop(Worker worker)
    {
        while (true)
        {
            // Poll for an offer first; block only when none came for a while. A set left on the event by
            // an offer this loop already took just makes the next Wait return at once.
            if (!Poll(new OfferWaiting(worker)))
            {
                worker.Wake.Wait();
                worker.Wake.Reset();
            }
            long ticket = Volatile.Read(ref worker.Ticket);
            if ((ticket & 1) != 0) continue; // taken by the caller already
            ParallelFor.Job? job = worker.Job;
            int task = worker.Task;
            if (job is null || Interlocked.CompareExchange(ref worker.Ticket, ticket + 1, ticket) != ticket) continue;
            Finish(job, task);
        }
    }
}
