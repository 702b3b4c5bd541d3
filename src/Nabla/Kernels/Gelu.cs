namespace Nabla.Kernels;

/// <summary>
/// GELU (Hendrycks and Gimpel 2016): x · Φ(x). Exact form with erf, or the tanh approximation
/// 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³))) used by GPT-2. Backward adds into dx (+=).
/// Reference implementation: the SIMD kernel replaces these bodies, keeping the signatures.
/// </summary>
public static class Gelu
{
    private const float SqrtTwoOverPi = 0.7978845608028654f;
    private const float InvSqrtTwo = 0.7071067811865476f;
    private const float InvSqrtTwoPi = 0.3989422804014327f;

    public static void Forward(ReadOnlySpan<float> x, Span<float> y, bool tanhApproximation)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = tanhApproximation
                ? 0.5f * v * (1f + MathF.Tanh(SqrtTwoOverPi * (v + 0.044715f * v * v * v)))
                : 0.5f * v * (1f + Erf(v * InvSqrtTwo));
        }
    }

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool tanhApproximation)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            float d;
            if (tanhApproximation)
            {
                float u = SqrtTwoOverPi * (v + 0.044715f * v * v * v);
                float t = MathF.Tanh(u);
                float du = SqrtTwoOverPi * (1f + 3f * 0.044715f * v * v);
                d = 0.5f * (1f + t) + 0.5f * v * (1f - t * t) * du;
            }
            else
            {
                d = 0.5f * (1f + Erf(v * InvSqrtTwo)) + v * InvSqrtTwoPi * MathF.Exp(-0.5f * v * v);
            }
            dx[i] += dy[i] * d;
        }
    }

    /// <summary>erf to float precision (Abramowitz and Stegun 7.1.26 is too coarse; this uses the
    /// double-precision series/continued-fraction split via Math functions).</summary>
    internal static float Erf(float x) => (float)ErfDouble(x);

    private static double ErfDouble(double x)
    {
        // W. J. Cody's rational approximations are the textbook choice; for the reference kernel a
        // high-order Taylor series near 0 and the complementary asymptotic form far out suffice.
        double ax = Math.Abs(x);
        double result;
        if (ax < 2.5)
        {
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 60; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            result = 2.0 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // Continued fraction for erfc, converges quickly for |x| ≥ 2.5.
            double f = 0;
            for (int n = 60; n >= 1; n--) f = n / 2.0 / (ax + f);
            result = 1.0 - Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? -result : result;
    }
}
