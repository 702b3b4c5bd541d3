using Nabla.Tensors;

namespace Nabla.Tests.Tensors.Support;

/// <summary>
/// Checks an operation's analytic gradients against central finite differences.
/// The function under test maps the inputs to a tensor y; the checked scalar is L = Σ w ⊙ y with a fixed
/// random weight w (so every output element, and the backward rule's use of the output gradient, matters).
/// dL/dx[i] from Backward() must match (L(x + εeᵢ) − L(x − εeᵢ)) / 2ε for every element of every float
/// input that requires a gradient.
/// </summary>
/// <remarks>
/// Tolerances, for float32 forward passes: L is accumulated in double from the float outputs, so its
/// rounding error is that of y, about 2⁻²⁴·Σ|wᵢyᵢ|; dividing by 2ε = 2·10⁻² amplifies it to ≈ 3·10⁻⁶·Σ|wᵢyᵢ|,
/// below 10⁻³ for the small tensors used here (Σ|wᵢyᵢ| ≲ 100). The truncation error of the central
/// difference is ε²/6·|L'''| ≈ 2·10⁻⁵ for the smooth functions tested. An absolute tolerance of 2·10⁻³ plus
/// a relative 2·10⁻² covers both with margin while still catching any wrong rule (a wrong factor or a
/// missing term is off by tens of percent). Inputs to non-smooth functions (relu, abs, clamp, max) are
/// kept further than ε from their kinks by the tests, so the difference quotient never straddles one.
/// </remarks>
public static class GradCheck
{
    public const float Epsilon = 1e-2f;
    public const double AbsoluteTolerance = 2e-3;
    public const double RelativeTolerance = 2e-2;

    /// <summary>Throws an Xunit assertion failure naming the input, the element and both values on mismatch.</summary>
    public static void Check(Func<Tensor[], Tensor> function, params Tensor[] inputs) =>
        Check(function, inputs, Epsilon, AbsoluteTolerance, RelativeTolerance);

    public static void Check(Func<Tensor[], Tensor> function, Tensor[] inputs, float epsilon, double absoluteTolerance, double relativeTolerance)
    {
        foreach (Tensor input in inputs) input.Grad = null;
        Tensor output = function(inputs);
        float[] weights = Weights(output.Count);
        Tensor w = Tensor.FromArray(weights).Reshape(output.Shape.ToArray());
        output.Backward(w);

        for (int k = 0; k < inputs.Length; k++)
        {
            Tensor input = inputs[k];
            if (!input.RequiresGrad) continue;
            Assert.True(input.IsContiguous, "GradCheck perturbs leaves in place: pass contiguous leaves and build views inside the function");
            float[] analytic = input.Grad?.ToArray() ?? new float[input.Count];
            Span<float> values = input.Span;
            for (int i = 0; i < values.Length; i++)
            {
                float original = values[i];
                values[i] = original + epsilon;
                double plus = Loss(function, inputs, weights);
                values[i] = original - epsilon;
                double minus = Loss(function, inputs, weights);
                values[i] = original;
                double numeric = (plus - minus) / (2.0 * epsilon);
                double error = Math.Abs(analytic[i] - numeric);
                if (error > absoluteTolerance + relativeTolerance * Math.Abs(numeric))
                    Assert.Fail($"gradient of input {k} {Shape(input)} at flat index {i}: analytic {analytic[i]:G6}, numeric {numeric:G6} (|diff| {error:G3})");
            }
        }
    }

    private static double Loss(Func<Tensor[], Tensor> function, Tensor[] inputs, float[] weights)
    {
        using var _ = Tensor.NoGrad();
        float[] y = function(inputs).ToArray();
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += (double)y[i] * weights[i];
        return sum;
    }

    /// <summary>Fixed weights in [0.5, 1.5) with random signs: never near zero, so no element is ignored.</summary>
    private static float[] Weights(int count)
    {
        var g = new Generator(12345);
        var w = new float[count];
        for (int i = 0; i < count; i++) w[i] = (g.NextFloat() + 0.5f) * (g.NextFloat() < 0.5f ? -1f : 1f);
        return w;
    }

    public static string Shape(Tensor t) => "[" + string.Join(",", t.Shape.ToArray()) + "]";
}
