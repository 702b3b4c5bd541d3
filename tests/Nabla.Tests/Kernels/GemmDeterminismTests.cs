using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>Tests that change <see cref="ParallelFor.MaxThreads"/> run alone: it is process-wide.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class ThreadCountCollection
{
    public const string Name = "ParallelFor.MaxThreads";
}

/// <summary>Same inputs, same bits: run after run, and whatever the thread count; the fallback kernels
/// agree with the one this CPU uses; warm calls allocate nothing.</summary>
[Collection(ThreadCountCollection.Name)]
public class GemmDeterminismTests
{
    [Theory]
    [InlineData(301, 257, 530, false, false)]
    [InlineData(301, 257, 530, true, true)]
    [InlineData(1, 3001, 700, false, false)]
    [InlineData(1, 3001, 700, false, true)]
    [InlineData(3001, 1, 700, false, false)]
    [InlineData(3001, 1, 700, true, true)]
    [InlineData(70, 4200, 800, false, true)]
    [InlineData(200, 100, 1200, false, false)]
    [InlineData(200, 256, 1200, false, false)]
    public void RepeatedCallsAndThreadCountsGiveIdenticalBits(int m, int n, int k, bool transA, bool transB)
    {
        float[] a = GemmOracle.Random(m * k, 31), b = GemmOracle.Random(k * n, 32);
        int saved = ParallelFor.MaxThreads;
        try
        {
            float[] first = Multiply(transA, transB, m, n, k, a, b, threads: 2);
            Assert.Equal(first, Multiply(transA, transB, m, n, k, a, b, threads: 2));
            Assert.Equal(first, Multiply(transA, transB, m, n, k, a, b, threads: 1));
            Assert.Equal(first, Multiply(transA, transB, m, n, k, a, b, threads: 3));
        }
        finally
        {
            ParallelFor.MaxThreads = saved;
        }
    }

    [Fact]
    public void ConcurrentCallersGetTheSameBitsAsAloneCallers()
    {
        // Several threads multiply at once: one gets the workers, the others run inline; each thread has
        // its own packing buffers. Every result must equal the one computed alone.
        int m = 150, n = 170, k = 300;
        float[][] a = [.. Enumerable.Range(0, 4).Select(i => GemmOracle.Random(m * k, 60 + i))];
        float[] b = GemmOracle.Random(k * n, 70);
        float[][] alone = [.. a.Select(ai => Multiply(false, true, m, n, k, ai, b, threads: 2))];
        var together = new float[4][][];
        var threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
        {
            together[i] = new float[20][];
            for (int r = 0; r < 20; r++)
            {
                together[i][r] = new float[m * n];
                Gemm.Sgemm(false, true, m, n, k, 1f, a[i], k, b, k, 0f, together[i][r], n);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        for (int i = 0; i < 4; i++)
            for (int r = 0; r < 20; r++) Assert.Equal(alone[i], together[i][r]);
    }

    [Fact]
    public void WarmCallsAllocateNothing()
    {
        int m = 200, n = 150, k = 300;
        float[] a = GemmOracle.Random(m * k, 41), b = GemmOracle.Random(k * n, 42), c = new float[m * n];
        for (int i = 0; i < 3; i++) Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 1f, c, n);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"5 warm Sgemm calls allocated {allocated} bytes");
    }

    /// <summary>Every micro-kernel through the same driver, whatever this CPU runs by default: the scalar
    /// fallback, and the AVX-512 kernel (its Vector512 code runs in software where AVX-512 is missing).</summary>
    [Theory]
    [InlineData("scalar", false, false)]
    [InlineData("scalar", true, false)]
    [InlineData("scalar", false, true)]
    [InlineData("scalar", true, true)]
    [InlineData("avx512", false, false)]
    [InlineData("avx512", true, false)]
    [InlineData("avx512", false, true)]
    [InlineData("avx512", true, true)]
    public unsafe void EveryMicroKernelMatchesLibtorch(string kernel, bool transA, bool transB)
    {
        int m = 45, n = 71, k = 270;
        int lda = transA ? m : k, ldb = transB ? k : n;
        float[] a = GemmOracle.Random(m * k, 51), b = GemmOracle.Random(k * n, 52), c0 = GemmOracle.Random(m * n, 53);
        float[] c = (float[])c0.Clone();
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (kernel == "scalar")
                GemmDriver<ScalarKernel4x4>.Run(transA, transB, m, n, k, 1.5f, pa, lda, pb, ldb, 1f, pc, n, maxThreads: 2);
            else
                GemmDriver<Avx512Kernel6x32>.Run(transA, transB, m, n, k, 1.5f, pa, lda, pb, ldb, 1f, pc, n, maxThreads: 2);
        }
        var expected = GemmOracle.Compute(transA, transB, m, n, k, 1.5f, a, lda, b, ldb, 1f, c0, n);
        GemmOracle.AssertClose(expected, c, m, n, n, $"{kernel} kernel");
    }

    private static float[] Multiply(bool transA, bool transB, int m, int n, int k, float[] a, float[] b, int threads)
    {
        ParallelFor.MaxThreads = threads;
        float[] c = new float[m * n];
        Gemm.Sgemm(transA, transB, m, n, k, 1f, a, transA ? m : k, b, transB ? k : n, 0f, c, n);
        return c;
    }
}
