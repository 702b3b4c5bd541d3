using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>The register tanh and σ against double precision: both branches of tanh (the series below ½,
/// the exponential form above), saturation, signed zero, infinities and NaN, in full vectors and the
/// scalar tail. σ's subnormal results (x below about −87) are allowed to flush to 0.</summary>
public class TanhSigmoidOperatorTests
{
    private static float[] Inputs()
    {
        float[] x = new float[4003];
        var random = new Random(11);
        for (int i = 0; i < 2000; i++) x[i] = (float)(random.NextDouble() * 2 - 1);      // around the ½ seam
        for (int i = 2000; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 60 - 30);
        float[] special = [0f, -0f, 0.5f, -0.5f, 0.49999997f, 1e-20f, -1e-20f, 50f, -50f, 100f, -100f,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        for (int i = 0; i < special.Length; i++) x[97 * i + 3] = special[i];
        return x;
    }

    [Fact]
    public void TanhIsWithinThreeUnitsOfTwoToTheMinus24()
    {
        float[] x = Inputs(), y = new float[x.Length];
        Elementwise.Unary(x, y, new TanhOperator());
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Tanh(x[i]);
            if (double.IsNaN(expected)) { Assert.True(float.IsNaN(y[i]), $"tanh({x[i]}) = {y[i]}"); continue; }
            Assert.True(Math.Abs(y[i] - expected) <= 3 * Math.Pow(2, -24) * Math.Abs(expected),
                $"tanh({x[i]:R}) = {y[i]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void SigmoidIsWithinFourUnitsOfTwoToTheMinus24()
    {
        float[] x = Inputs(), y = new float[x.Length];
        Elementwise.Unary(x, y, new SigmoidOperator());
        for (int i = 0; i < x.Length; i++)
        {
            double expected = 1 / (1 + Math.Exp(-(double)x[i]));
            if (double.IsNaN(expected)) { Assert.True(float.IsNaN(y[i]), $"σ({x[i]}) = {y[i]}"); continue; }
            // Results below float's smallest normal, 1.18e−38 (x < −87), may flush to 0, as documented.
            Assert.True(Math.Abs(y[i] - expected) <= Math.Max(4 * Math.Pow(2, -24) * expected, 1.1754944e-38),
                $"σ({x[i]:R}) = {y[i]:R}, expected {expected:R}");
        }
    }
}
