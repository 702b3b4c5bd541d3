using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

public class ExpOperatorTests
{
    [Fact]
    public void MatchesIeeeExpInsideAndOutsideTheFastRange()
    {
        // 8- and 16-float registers mixing ordinary values with the ones FastMath.Exp does not cover
        // (subnormal results, overflow to +∞, the band 88.3–88.72 where e^x is still finite, NaN, −∞).
        float[] x = new float[1003];
        var random = new Random(7);
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 170 - 85);
        float[] extremes = [-100f, -88f, -87.5f, 88.5f, 88.7f, 89f, 1000f, float.NaN, float.NegativeInfinity, float.PositiveInfinity];
        for (int i = 0; i < extremes.Length; i++) x[37 * i + 5] = extremes[i];
        var y = new float[x.Length];
        Elementwise.Unary(x, y, new ExpOperator());
        for (int i = 0; i < x.Length; i++)
        {
            float expected = (float)Math.Exp(x[i]);
            if (float.IsNaN(expected)) { Assert.True(float.IsNaN(y[i]), $"exp({x[i]}) = {y[i]}"); continue; }
            // Within one ulp (relative 1.2e-7) of double precision, or exactly equal (0, subnormals, ∞).
            Assert.True(y[i] == expected || Math.Abs(y[i] - expected) <= 1.2e-7 * Math.Abs(expected),
                $"exp({x[i]}) = {y[i]}, expected {expected}");
        }
    }
}
