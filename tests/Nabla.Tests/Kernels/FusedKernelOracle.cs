using TorchSharp;
using static TorchSharp.torch;

namespace Nabla.Tests.Kernels;

/// <summary>Inputs and libtorch references shared by the fused-kernel tests (softmax, cross-entropy,
/// layer norm, GELU): random data from a fixed seed, float arrays in and out of TorchSharp tensors.</summary>
internal static class FusedKernelOracle
{
    /// <summary>Normally distributed floats · <paramref name="scale"/> + <paramref name="offset"/>, from a fixed seed.</summary>
    public static float[] Normal(int count, int seed, float scale = 1f, float offset = 0f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            // Box–Muller: two uniforms give one standard normal.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)) * scale + offset;
        }
        return values;
    }

    public static Tensor Torch(float[] values, params long[] shape) => tensor(values, shape);

    public static Tensor TorchLeaf(float[] values, params long[] shape) => tensor(values, shape).requires_grad_(true);

    public static float[] Values(Tensor t) => t.detach().contiguous().data<float>().ToArray();

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the first offender.</summary>
    public static void Close(float[] expected, float[] actual, float atol, float rtol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) && float.IsNaN(a)) continue;
            if (!(MathF.Abs(a - e) <= atol + rtol * MathF.Abs(e)))
                Assert.Fail($"{what}: element {i}: expected {e:R}, got {a:R} (atol {atol}, rtol {rtol})");
        }
    }

    /// <summary>prior + delta, the expected result of a kernel that adds into a gradient.</summary>
    public static float[] Plus(float[] prior, float[] delta) => prior.Zip(delta, (p, d) => p + d).ToArray();
}
