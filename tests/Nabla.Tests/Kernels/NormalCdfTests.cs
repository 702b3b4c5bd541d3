using System.Runtime.Intrinsics;
using Nabla.Kernels;
using static TorchSharp.torch;

namespace Nabla.Tests.Kernels;

/// <summary>
/// The pieces of the exact GELU in registers: Φ against double precision across its whole range (the lower
/// tail included, where Φ is far below float's epsilon), the Gaussian and its floor, and the sign-bit select
/// in every lane width.
/// </summary>
public class NormalCdfTests
{
    /// <summary>
    /// Φ within 6 units of 2⁻²⁴ relative and e^(−x²/2) within 1.5 (measured: 5.7 and 1.1), plus x²/2 units: x² rounded to float is off by up
    /// to 2⁻²⁴ relative, and the exponent multiplies that by x²/2. It is the error of evaluating exactly at a
    /// point within half an ulp of x, where both functions themselves change by x² ulps per ulp of x.
    /// </summary>
    [Fact]
    public void NormalCdfIsAccurateAcrossItsRangeTheLowerTailIncluded()
    {
        // A fine grid over [−13, 9] (below −13.2 Φ drops under float's normal range) and the region near 0.
        var xs = new List<float>();
        for (int k = 0; k <= 220_000; k++) xs.Add(-13f + k * 1e-4f);
        for (int k = -1000; k <= 1000; k++) xs.Add(k * 1e-7f);
        using var scope = NewDisposeScope();
        double[] doubles = xs.Select(v => (double)v).ToArray();
        double[] cdf = (tensor(doubles) * -Math.Sqrt(0.5)).erfc().mul(0.5).data<double>().ToArray();
        double unit = Math.Pow(2, -24), worstCdf = 0, worstBell = 0;
        float worstCdfAt = 0, worstBellAt = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            float x = xs[i];
            float phi = FastMath.NormalCdf(new Lanes1(x), out Lanes1 gaussian).Value;
            double allowance = x * (double)x / 2;
            double cdfUnits = Math.Abs(phi - cdf[i]) / cdf[i] / unit - allowance;
            if (cdfUnits > worstCdf) { worstCdf = cdfUnits; worstCdfAt = x; }
            double bell = Math.Exp(-0.5 * x * (double)x);
            double bellUnits = Math.Abs(gaussian.Value - bell) / bell / unit - allowance;
            if (bellUnits > worstBell) { worstBell = bellUnits; worstBellAt = x; }
        }
        Assert.True(worstCdf <= 6, $"Φ is x²/2 + {worstCdf:0.00} units of 2⁻²⁴ off at x = {worstCdfAt:R}");
        Assert.True(worstBell <= 1.5, $"e^(−x²/2) is x²/2 + {worstBell:0.00} units of 2⁻²⁴ off at x = {worstBellAt:R}");
    }

    [Fact]
    public void TheGaussianStopsAtItsFloorInsteadOfReachingZero()
    {
        float floor = FastMath.Gaussian(new Lanes1(14f)).Value;
        Assert.InRange(floor, 1e-38f, 2e-38f);
        foreach (float x in new[] { -14f, 100f, -1e6f, float.PositiveInfinity, float.NegativeInfinity })
            Assert.Equal(floor, FastMath.Gaussian(new Lanes1(x)).Value);
        Assert.True(float.IsNaN(FastMath.Gaussian(new Lanes1(float.NaN)).Value));
        // Beyond the floor the exact GELU is below float's normal range, as x · Φ(x) truly is there.
        float[] far = [-14f, -30f, -1e6f], y = new float[3];
        GeluKernel.Forward(far, y, tanhApproximation: false);
        foreach (float value in y) Assert.InRange(value, -1.2e-38f, 0f);
        // GELU's derivative Φ(x) + x·φ(x) takes the floor times x: negligible for any finite x, and ±∞
        // (as documented, rather than ∞ · 0 = NaN) at x = ±∞.
        float[] wide = [-1e6f, float.PositiveInfinity, float.NegativeInfinity], dx = new float[3];
        GeluKernel.Backward(wide, [1f, 1f, 1f], dx, tanhApproximation: false);
        Assert.InRange(dx[0], -1e-32f, 0f);
        Assert.Equal(float.PositiveInfinity, dx[1]);
        Assert.Equal(float.NegativeInfinity, dx[2]);
    }

    [Fact]
    public void SelectWhereNegativeReadsTheSignBitInEveryWidth()
    {
        float[] a = [-1f, 1f, -0f, 0f, float.NegativeInfinity, float.PositiveInfinity, -1e-40f, 1e-40f,
            -3f, 3f, -0f, 0f, -2.5f, 7f, float.Epsilon, -float.Epsilon];
        float[] ifNegative = a.Select((_, i) => 100f + i).ToArray();
        float[] otherwise = a.Select((_, i) => -100f - i).ToArray();
        float[] expected = a.Select((v, i) => float.IsNegative(v) ? ifNegative[i] : otherwise[i]).ToArray();
        Assert.Equal(expected, Select<Lanes1>(a, ifNegative, otherwise));
        Assert.Equal(expected, Select<Lanes128>(a, ifNegative, otherwise));
        Assert.Equal(expected, Select<Lanes256>(a, ifNegative, otherwise));
        Assert.Equal(expected, Select<Lanes512>(a, ifNegative, otherwise));
    }

    private static float[] Select<T>(float[] a, float[] ifNegative, float[] otherwise) where T : struct, ILanes<T>
    {
        var result = new float[a.Length];
        for (int i = 0; i < a.Length; i += T.Count)
            T.Store(T.SelectWhereNegative(T.Load(in a[0], i), T.Load(in ifNegative[0], i), T.Load(in otherwise[0], i)), ref result[0], i);
        return result;
    }
}
