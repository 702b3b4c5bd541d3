using Nabla.Kernels;
using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

/// <summary>
/// The span kernels against a plain scalar loop, at lengths that exercise every path: empty, shorter
/// than a vector, exact multiples of 8 and 16 lanes, ragged tails, and spans long enough to be split
/// across threads (whose chunk boundaries fall anywhere).
/// </summary>
public class ElementwiseKernelTests
{
    public static readonly TheoryData<int> Lengths = new() { 0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, Elementwise.ParallelThreshold + 13 };

    private static float[] Random(int n, ulong seed)
    {
        var g = new Generator(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = g.NextNormal();
        return v;
    }

    /// <summary>|expected − actual| ≤ tolerance · (1 + |expected|).</summary>
    private static void Close(double expected, double actual, double tolerance)
    {
        if (!(Math.Abs(expected - actual) <= tolerance * (1 + Math.Abs(expected))))
            Assert.Fail($"expected {expected:G9}, got {actual:G9}");
    }

    private static void CheckBinary<TOp>(TOp op, Func<float, float, float> reference, int n) where TOp : struct, IBinaryOperator
    {
        float[] x = Random(n, 1), y = Random(n, 2), z = new float[n], acc = Random(n, 3);
        float[] accExpected = (float[])acc.Clone();
        Elementwise.Binary(x, y, z, op);
        Elementwise.BinaryAccumulate(x, y, acc, op);
        for (int i = 0; i < n; i++)
        {
            Close(reference(x[i], y[i]), z[i], 1e-6);
            Close(accExpected[i] + reference(x[i], y[i]), acc[i], 1e-5);
        }
        // Scalar on either side.
        Elementwise.Binary(x, 0.75f, z, op);
        for (int i = 0; i < n; i++) Close(reference(x[i], 0.75f), z[i], 1e-6);
        Elementwise.Binary(-1.25f, y, z, op);
        for (int i = 0; i < n; i++) Close(reference(-1.25f, y[i]), z[i], 1e-6);
        // In place: the output may be the first input.
        float[] inPlace = (float[])x.Clone();
        Elementwise.Binary(inPlace, y, inPlace, op);
        for (int i = 0; i < n; i++) Close(reference(x[i], y[i]), inPlace[i], 1e-6);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void ArithmeticOperators(int n)
    {
        CheckBinary(new AddOperator(), (a, b) => a + b, n);
        CheckBinary(new SubtractOperator(), (a, b) => a - b, n);
        CheckBinary(new MultiplyOperator(), (a, b) => a * b, n);
        CheckBinary(new MaximumOperator(), MathF.Max, n);
        CheckBinary(new MinimumOperator(), MathF.Min, n);
        CheckBinary(new WinnerShareOperator(), (a, b) => a < b ? 0f : a == b ? 0.5f : 1f, n);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void BackwardOperators(int n)
    {
        CheckBinary(new ReluBackwardOperator(), (dy, y) => y <= 0 ? 0 : dy, n);
        CheckBinary(new TanhBackwardOperator(), (dy, y) => dy * (1 - y * y), n);
        CheckBinary(new SigmoidBackwardOperator(), (dy, y) => dy * y * (1 - y), n);
        CheckBinary(new AbsBackwardOperator(), (dy, x) => x > 0 ? dy : x < 0 ? -dy : 0, n);
        CheckBinary(new ClampBackwardOperator(-0.5f, 0.5f), (dy, x) => x >= -0.5f && x <= 0.5f ? dy : 0, n);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void UnaryOperators(int n)
    {
        float[] x = Random(n, 4), y = new float[n];
        Elementwise.Unary(x, y, new ReluOperator());
        for (int i = 0; i < n; i++) Assert.Equal(MathF.Max(x[i], 0), y[i]);
        Elementwise.Unary(x, y, new ClampOperator(-0.3f, 0.2f));
        for (int i = 0; i < n; i++) Assert.Equal(Math.Clamp(x[i], -0.3f, 0.2f), y[i]);
        Elementwise.Unary(x, y, new AbsOperator());
        for (int i = 0; i < n; i++) Assert.Equal(MathF.Abs(x[i]), y[i]);
        Elementwise.Unary(x, y, new SqrtOperator());
        for (int i = 0; i < n; i++) Assert.Equal(MathF.Sqrt(x[i]), y[i]);
        Elementwise.Unary(x, y, new LogOperator());
        for (int i = 0; i < n; i++)
            if (x[i] > 0) Close(Math.Log(x[i]), y[i], 2e-7);
            else Assert.Equal(MathF.Log(x[i]), y[i]);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 1)]
    [InlineData(1, 7, 9)]
    [InlineData(4, 3, 17)]
    [InlineData(300, 257, 1)]   // large: split across threads
    [InlineData(64, 40, 33)]
    public void SumOverTheMiddleAxis(int outer, int reduced, int inner)
    {
        float[] x = Random(outer * reduced * inner, 5);
        float[] y = Random(outer * inner, 6); // overwritten, not accumulated
        Reduce.Sum(x, y, outer, reduced, inner);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double sum = 0;
                for (int r = 0; r < reduced; r++) sum += x[(o * reduced + r) * inner + i];
                Close(sum, y[o * inner + i], 1e-5); // float32 sums of ≤ 300 unit normals: error ≈ 300 · 2⁻²⁴ · few
            }
    }

    [Fact]
    public void ExtremumRowsFindsTheFirstWinnerAndPropagatesNaN()
    {
        float[] x = [1, 5, 5, 2, /**/ -1, -3, -3, 0, /**/ 0, float.NaN, 9, 1];
        var values = new float[3];
        var indices = new int[3];
        Reduce.ExtremumRows(x, 3, 4, largest: true, values, indices);
        Assert.Equal([1, 3, 1], indices);
        Assert.Equal(5f, values[0]);
        Assert.True(float.IsNaN(values[2]));
        Reduce.ExtremumRows(x, 3, 4, largest: false, values, indices);
        Assert.Equal([0, 1, 1], indices);
    }
}
