using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

[Collection(ThreadCountCollection.Name)]
public class ParallelForTests
{
    /// <summary>Counts visits per index and records which threads ran.</summary>
    private readonly unsafe struct CountVisits(int* visits, int* threadIds) : IRangeAction
    {
        public void Invoke(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                Interlocked.Increment(ref visits[i]);
                threadIds[i] = Environment.CurrentManagedThreadId;
            }
        }
    }

    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(2, 1, 2)]
    [InlineData(1000, 1, 2)]
    [InlineData(1001, 7, 3)]
    [InlineData(999, 10, 4)]
    [InlineData(5, 1, 8)]
    public unsafe void CoversEveryIndexExactlyOnce(int count, int minPerTask, int threads)
    {
        int saved = ParallelFor.MaxThreads;
        var visits = new int[count];
        var ids = new int[count];
        try
        {
            ParallelFor.MaxThreads = threads;
            fixed (int* v = visits, t = ids)
            {
                for (int repeat = 0; repeat < 20; repeat++) ParallelFor.Run(count, minPerTask, new CountVisits(v, t));
            }
        }
        finally
        {
            ParallelFor.MaxThreads = saved;
        }
        Assert.All(visits, v => Assert.Equal(20, v));
    }

    [Fact]
    public unsafe void SmallWorkRunsInlineOnTheCaller()
    {
        int saved = ParallelFor.MaxThreads;
        var visits = new int[100];
        var ids = new int[100];
        try
        {
            ParallelFor.MaxThreads = 2;
            fixed (int* v = visits, t = ids)
            {
                ParallelFor.Run(100, minPerTask: 51, new CountVisits(v, t)); // 100 < 2·51: no fan-out
            }
        }
        finally
        {
            ParallelFor.MaxThreads = saved;
        }
        Assert.All(ids, id => Assert.Equal(Environment.CurrentManagedThreadId, id));
        Assert.All(visits, v => Assert.Equal(1, v));
    }

    /// <summary>Range 0 waits (up to a second) for range 1 to start elsewhere, recording who ran what.</summary>
    private readonly unsafe struct MeetAnotherThread(int* threadIds, int* started) : IRangeAction
    {
        public void Invoke(int start, int end)
        {
            for (int i = start; i < end; i++) threadIds[i] = Environment.CurrentManagedThreadId;
            if (start > 0)
            {
                Volatile.Write(ref *started, 1);
                return;
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (Volatile.Read(ref *started) == 0 && clock.ElapsedMilliseconds < 1000) Thread.Yield();
        }
    }

    [Fact]
    public unsafe void LargeWorkFansOutToAWorker()
    {
        int saved = ParallelFor.MaxThreads;
        var ids = new int[1000];
        int started = 0;
        try
        {
            ParallelFor.MaxThreads = 2;
            fixed (int* t = ids)
            {
                ParallelFor.Run(1000, minPerTask: 10, new MeetAnotherThread(t, &started));
            }
        }
        finally
        {
            ParallelFor.MaxThreads = saved;
        }
        // [0, 500) on the caller; [500, 1000) whole on one thread — a worker, unless none woke within a second.
        Assert.All(ids[..500], id => Assert.Equal(Environment.CurrentManagedThreadId, id));
        Assert.All(ids[500..], id => Assert.Equal(ids[500], id));
        Assert.NotEqual(Environment.CurrentManagedThreadId, ids[500]);
    }

    private readonly unsafe struct RecordRanges(int* starts) : IRangeAction
    {
        public void Invoke(int start, int end) => starts[start] = end;
    }

    [Fact]
    public unsafe void SameThreadCountGivesTheSameSplit()
    {
        int saved = ParallelFor.MaxThreads;
        try
        {
            ParallelFor.MaxThreads = 3;
            int[] first = new int[100], second = new int[100];
            fixed (int* f = first, s = second)
            {
                ParallelFor.Run(100, 1, new RecordRanges(f));
                ParallelFor.Run(100, 1, new RecordRanges(s));
            }
            Assert.Equal(first, second);
            // [0, 33) [33, 66) [66, 100)
            Assert.Equal(33, first[0]);
            Assert.Equal(66, first[33]);
            Assert.Equal(100, first[66]);
        }
        finally
        {
            ParallelFor.MaxThreads = saved;
        }
    }

    private readonly unsafe struct Nested(int* visits) : IRangeAction
    {
        public void Invoke(int start, int end)
        {
            for (int i = start; i < end; i++) ParallelFor.Run(10, 1, new CountVisits(visits + i * 10, visits + 1000 + i * 10));
        }
    }

    [Fact]
    public unsafe void NestedCallsRunInlineAndCoverEverything()
    {
        int saved = ParallelFor.MaxThreads;
        var visits = new int[2000];
        try
        {
            ParallelFor.MaxThreads = 2;
            fixed (int* v = visits) ParallelFor.Run(100, 1, new Nested(v));
        }
        finally
        {
            ParallelFor.MaxThreads = saved;
        }
        Assert.All(visits[..1000], v => Assert.Equal(1, v));
    }

    [Fact]
    public unsafe void ConcurrentCallersEachCoverTheirIndices()
    {
        int saved = ParallelFor.MaxThreads;
        const int callers = 4, repeats = 300, count = 257;
        var visits = new int[callers * count];
        var ids = new int[callers * count];
        try
        {
            ParallelFor.MaxThreads = 2;
            fixed (int* v = visits, t = ids)
            {
                int* vp = v, tp = t;
                var threads = Enumerable.Range(0, callers).Select(caller => new Thread(() =>
                {
                    for (int r = 0; r < repeats; r++) ParallelFor.Run(count, 1, new CountVisits(vp + caller * count, tp + caller * count));
                })).ToList();
                threads.ForEach(thread => thread.Start());
                threads.ForEach(thread => thread.Join());
            }
        }
        finally
        {
            ParallelFor.MaxThreads = saved;
        }
        Assert.All(visits, v => Assert.Equal(repeats, v));
    }

    private readonly struct ThrowAt(int bad) : IRangeAction
    {
        public void Invoke(int start, int end)
        {
            if (start <= bad && bad < end) throw new InvalidOperationException($"index {bad}");
        }
    }

    [Theory]
    [InlineData(10)]   // in the caller's range
    [InlineData(900)]  // in a worker's range
    public void ExceptionsReachTheCallerAndThePoolRecovers(int bad)
    {
        int saved = ParallelFor.MaxThreads;
        try
        {
            ParallelFor.MaxThreads = 2;
            var e = Assert.Throws<InvalidOperationException>(() => ParallelFor.Run(1000, 1, new ThrowAt(bad)));
            Assert.Equal($"index {bad}", e.Message);
            ParallelFor.Run(1000, 1, new ThrowAt(-1)); // the pool is free again
        }
        finally
        {
            ParallelFor.MaxThreads = saved;
        }
    }

    private readonly struct Nothing : IRangeAction
    {
        public void Invoke(int start, int end) { }
    }

    [Fact]
    public void WarmCallsAllocateNothing()
    {
        int saved = ParallelFor.MaxThreads;
        try
        {
            ParallelFor.MaxThreads = 2;
            for (int i = 0; i < 10; i++) ParallelFor.Run(1000, 1, new Nothing());
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) ParallelFor.Run(1000, 1, new Nothing());
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally
        {
            ParallelFor.MaxThreads = saved;
        }
    }

    [Fact]
    public void RejectsZeroThreads() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ParallelFor.MaxThreads = 0);
}
