using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>Batched SGEMM: each item against libtorch, with broadcast (stride 0) operands.</summary>
public class GemmBatchedTests
{
    [Theory]
    [InlineData(6, false, false, 1, 1)]   // attention-like: many small products, one per thread
    [InlineData(6, false, true, 1, 0)]    // B broadcast (shared weight)
    [InlineData(5, true, false, 0, 1)]    // A broadcast, odd batch
    [InlineData(3, true, true, 1, 1)]
    public void EachProductMatchesLibtorch(int batch, bool transA, bool transB, int aVaries, int bVaries)
    {
        int m = 33, n = 20, k = 65;
        int lda = transA ? m : k, ldb = transB ? k : n, ldc = n;
        long strideA = aVaries * (long)m * k, strideB = bVaries * (long)k * n, strideC = (long)m * n;
        float[] a = GemmOracle.Random((int)((batch - 1) * strideA + m * k), 11);
        float[] b = GemmOracle.Random((int)((batch - 1) * strideB + k * n), 12);
        float[] c = Enumerable.Repeat(float.NaN, batch * m * n).ToArray();

        Gemm.SgemmBatched(batch, transA, transB, m, n, k, 0.5f, a, lda, strideA, b, ldb, strideB, 0f, c, ldc, strideC);

        for (int i = 0; i < batch; i++)
        {
            float[] ai = a.AsSpan((int)(i * strideA), m * k).ToArray();
            float[] bi = b.AsSpan((int)(i * strideB), k * n).ToArray();
            var expected = GemmOracle.Compute(transA, transB, m, n, k, 0.5f, ai, lda, bi, ldb, 0f, new float[m * n], ldc);
            GemmOracle.AssertClose(expected, c.AsSpan(i * m * n, m * n).ToArray(), m, n, ldc, $"batch item {i}");
        }
    }

    [Fact]
    public void StrideZeroOutputSumsEveryProduct()
    {
        // dW = Σ_b X_bᵀ · dY_b: a broadcast weight's gradient, beta applied once.
        int batch = 4, m = 17, n = 9, k = 40;
        float[] x = GemmOracle.Random(batch * k * m, 21), dy = GemmOracle.Random(batch * k * n, 22);
        float[] c0 = GemmOracle.Random(m * n, 23);
        float[] c = (float[])c0.Clone();

        Gemm.SgemmBatched(batch, true, false, m, n, k, 1f, x, m, (long)k * m, dy, n, (long)k * n, 1f, c, n, 0);

        // The same sum as one product over the stacked inner dimension (batch·k).
        var expected = GemmOracle.Compute(true, false, m, n, batch * k, 1f, x, m, dy, n, 1f, c0, n);
        GemmOracle.AssertClose(expected, c, m, n, n, "stride-0 C");
    }

    [Fact]
    public void RejectsBatchThatOverrunsTheSpan()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Gemm.SgemmBatched(3, false, false, 2, 2, 2, 1f, new float[12], 2, 4, new float[8], 2, 4, 0f, new float[12], 2, 4));
        Assert.Contains("B holds 8 floats", e.Message);
    }
}
