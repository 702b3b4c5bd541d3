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
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void RepeatedCallsAndThreadCountsGiveIdenticalBits(bool transA, bool transB)
    {
        int m = 301, n = 257, k = 530;
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
    public void WarmCallsAllocateNothing()
    {
        int m = 200, n = 150, k = 300;
        float[] a = GemmOracle.Random(m * k, 41), b = GemmOracle.Random(k * n, 42), c = new float[m * n];
        for (int i = 0; i < 3; i++) Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 1f, c, n);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public unsafe void ScalarFallbackKernelMatchesLibtorch(bool transA, bool transB)
    {
        int m = 45, n = 39, k = 270;
        int lda = transA ? m : k, ldb = transB ? k : n;
        float[] a = GemmOracle.Random(m * k, 51), b = GemmOracle.Random(k * n, 52), c0 = GemmOracle.Random(m * n, 53);
        float[] c = (float[])c0.Clone();
        fixed (float* pa = a, pb = b, pc = c)
        {
            GemmDriver<ScalarKernel4x4>.Run(transA, transB, m, n, k, 1.5f, pa, lda, pb, ldb, 1f, pc, n, maxThreads: 2);
        }
        var expected = GemmOracle.Compute(transA, transB, m, n, k, 1.5f, a, lda, b, ldb, 1f, c0, n);
        GemmOracle.AssertClose(expected, c, m, n, n, "scalar kernel");
    }

    private static float[] Multiply(bool transA, bool transB, int m, int n, int k, float[] a, float[] b, int threads)
    {
        ParallelFor.MaxThreads = threads;
        float[] c = new float[m * n];
        Gemm.Sgemm(transA, transB, m, n, k, 1f, a, transA ? m : k, b, transB ? k : n, 0f, c, n);
        return c;
    }
}
