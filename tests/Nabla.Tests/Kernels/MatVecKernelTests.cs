using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>
/// y = W · x + b against a scalar reference. With small integers every product and partial sum is exact in
/// float, so any order of additions must give the reference bit for bit: that checks every lane, the groups
/// of four rows, the row tail after the last group and the column tail after the last full vector. With
/// random values, each row must be the same bits whether it is computed in a group of four or alone, and
/// the same whatever the thread count. (Run also with DOTNET_EnableAVX512=0 for the 256-bit path.)
/// </summary>
public class MatVecKernelTests
{
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int rows in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 13 })
            foreach (int cols in new[] { 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 768 })
                data.Add(rows, cols);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SmallIntegersGiveTheScalarReferenceExactly(int rows, int cols)
    {
        var random = new Random(rows * 1000 + cols);
        float[] w = Integers(random, rows * cols), x = Integers(random, cols), bias = Integers(random, rows);
        foreach (bool withBias in new[] { true, false })
        {
            var y = new float[rows];
            MatVecKernel.Forward(w, x, withBias ? bias : default, y, rows, cols);
            for (int j = 0; j < rows; j++)
            {
                double expected = withBias ? bias[j] : 0;
                for (int k = 0; k < cols; k++) expected += (double)w[j * cols + k] * x[k];
                Assert.True(expected == y[j], $"{rows}×{cols}, bias {withBias}, row {j}: {y[j]} vs {expected}");
            }
        }
    }

    [Theory]
    [InlineData(9, 768)]
    [InlineData(2051, 67)]    // enough weights to be split across threads; a row and column tail
    [InlineData(1030, 768)]
    public void EachRowIsTheSameBitsAloneInAGroupAndOnAnyThreadCount(int rows, int cols)
    {
        var random = new Random(rows + cols);
        float[] w = Normal(random, rows * cols), x = Normal(random, cols), bias = Normal(random, rows);
        var y = new float[rows];
        MatVecKernel.Forward(w, x, bias, y, rows, cols);

        int threads = ParallelFor.MaxThreads;
        var single = new float[rows];
        try
        {
            ParallelFor.MaxThreads = 1;
            MatVecKernel.Forward(w, x, bias, single, rows, cols);
        }
        finally
        {
            ParallelFor.MaxThreads = threads;
        }
        Assert.Equal(y, single);

        var alone = new float[1];
        for (int j = 0; j < rows; j += Math.Max(1, rows / 50))
        {
            MatVecKernel.Forward(w.AsSpan(j * cols, cols), x, bias.AsSpan(j, 1), alone, 1, cols);
            Assert.True(y[j] == alone[0], $"row {j}: {y[j]} in a group, {alone[0]} alone");
            double reference = bias[j];
            for (int k = 0; k < cols; k++) reference += (double)w[j * cols + k] * x[k];
            Assert.True(Math.Abs(reference - y[j]) <= 1e-5 * Math.Sqrt(cols) * (1 + Math.Abs(reference)), $"row {j}: {y[j]} vs {reference}");
        }
    }

    [Fact]
    public void ShortBuffersAreNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => MatVecKernel.Forward(new float[11], new float[4], default, new float[3], 3, 4));
        Assert.Contains("MatVecKernel.Forward", error.Message);
        Assert.Contains("weight", error.Message);
        error = Assert.Throws<ArgumentException>(() => MatVecKernel.Forward(new float[12], new float[4], new float[2], new float[3], 3, 4));
        Assert.Contains("bias", error.Message);
    }

    private static float[] Integers(Random random, int n)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = random.Next(-8, 9);
        return values;
    }

    private static float[] Normal(Random random, int n)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
