using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>Nabla's SGEMM against libtorch (float32) and float64 truth, on odd sizes and every form.</summary>
public class GemmTests
{
    public static TheoryData<int, bool, bool> SquareCases()
    {
        var data = new TheoryData<int, bool, bool>();
        foreach (int size in new[] { 1, 7, 63, 65, 127, 513 })
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    data.Add(size, transA, transB);
        return data;
    }

    [Theory]
    [MemberData(nameof(SquareCases))]
    public void SquareMatchesLibtorch(int size, bool transA, bool transB) =>
        Check(transA, transB, size, size, size, alpha: 1f, beta: 0f, pad: 0, seed: size);

    public static TheoryData<int, int, int, bool, bool> MixedCases()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        int[][] shapes =
        [
            [7, 65, 513], [513, 1, 63], [1, 127, 7], [65, 513, 1], [127, 63, 65], [1, 1, 1000], [1, 3000, 700], [3000, 1, 700],
            [300, 17, 260], [3, 4100, 5], [130, 250, 257],
            // Several KC slices (the second B̃ buffer reused), two column panels, and A read in place
            // (few B̃ slivers per unit) with a partial bottom sliver.
            [70, 4200, 800], [200, 100, 1200],
        ];
        foreach (int[] s in shapes)
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    data.Add(s[0], s[1], s[2], transA, transB);
        return data;
    }

    [Theory]
    [MemberData(nameof(MixedCases))]
    public void MixedShapesMatchLibtorch(int m, int n, int k, bool transA, bool transB) =>
        Check(transA, transB, m, n, k, alpha: 1f, beta: 0f, pad: 0, seed: m * 31 + n * 7 + k);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void AccumulatesWithBetaOne(bool transA, bool transB) =>
        Check(transA, transB, 67, 45, 129, alpha: 1f, beta: 1f, pad: 0, seed: 5);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void ScalesWithAlphaAndBeta(bool transA, bool transB) =>
        Check(transA, transB, 70, 33, 300, alpha: -0.75f, beta: 0.5f, pad: 0, seed: 6);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void SubmatrixViewsWithLargerLeadingDimensions(bool transA, bool transB) =>
        Check(transA, transB, 37, 29, 71, alpha: 2f, beta: 1f, pad: 5, seed: 7);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void SingleRowAndColumnViews(bool transA, bool transB)
    {
        Check(transA, transB, 1, 45, 300, alpha: 0.5f, beta: 1f, pad: 3, seed: 8);
        Check(transA, transB, 45, 1, 300, alpha: 0.5f, beta: 1f, pad: 3, seed: 9);
        Check(transA, transB, 45, 1, 300, alpha: 2f, beta: 0f, pad: 0, seed: 10);
    }

    [Fact]
    public void BetaZeroIgnoresNaNInC()
    {
        int m = 19, n = 23, k = 11;
        float[] a = GemmOracle.Random(m * k, 1), b = GemmOracle.Random(k * n, 2);
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        Gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
        var expected = GemmOracle.Compute(false, false, m, n, k, 1f, a, k, b, n, 0f, new float[m * n], n);
        GemmOracle.AssertClose(expected, c, m, n, n, "beta=0 over NaN");
    }

    [Fact]
    public void EmptyInnerDimensionScalesC()
    {
        float[] c = [1f, 2f, 3f, float.NaN];
        Gemm.Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0.5f, c, 2);
        Assert.Equal([0.5f, 1f, 1.5f], c[..3]);
        Assert.True(float.IsNaN(c[3]));
        Gemm.Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0f, c, 2);
        Assert.Equal([0f, 0f, 0f, 0f], c);
    }

    [Fact]
    public void RejectsStrideSmallerThanRowWidth()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Gemm.Sgemm(false, false, 4, 4, 5, 1f, new float[20], 4, new float[20], 4, 0f, new float[16], 4));
        Assert.Contains("lda=4", e.Message);
        Assert.Contains("[m,k]", e.Message);
    }

    [Fact]
    public void RejectsTooShortSpan()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Gemm.Sgemm(false, true, 4, 3, 5, 1f, new float[20], 5, new float[14], 5, 0f, new float[12], 3));
        Assert.Contains("B holds 14 floats", e.Message);
        Assert.Contains("needs 15", e.Message);
    }

    /// <summary>Runs Nabla's SGEMM on NaN-padded operands and checks the result, and that C's padding
    /// columns come back untouched.</summary>
    internal static void Check(bool transA, bool transB, int m, int n, int k, float alpha, float beta, int pad, int seed)
    {
        int lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
        float[] a = GemmOracle.Matrix(transA ? k : m, transA ? m : k, lda, seed);
        float[] b = GemmOracle.Matrix(transB ? n : k, transB ? k : n, ldb, seed + 1);
        float[] c0 = GemmOracle.Random(m * ldc, seed + 2);
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++) c0[i * ldc + j] = 1000f + j;
        var expected = GemmOracle.Compute(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c0, ldc);

        float[] c = (float[])c0.Clone();
        Gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        string what = $"Sgemm(transA={transA}, transB={transB}, m={m}, n={n}, k={k}, alpha={alpha}, beta={beta}, pad={pad})";
        GemmOracle.AssertClose(expected, c, m, n, ldc, what);
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++)
                Assert.True(c[i * ldc + j] == 1000f + j, $"{what}: padding C[{i},{j}] was overwritten");
    }
}
