using System.Numerics.Tensors;
using Nabla.Kernels;

namespace Nabla.Tests.Kernels;

/// <summary>AdamKernel's blocked sweep against the update written out as whole-array operations.</summary>
public class AdamKernelTests
{
    [Theory]
    [InlineData(37, true, 0.1f)]
    [InlineData(4096, true, 0.1f)]
    [InlineData(3 * 4096 + 37, true, 0.1f)]    // the last block takes the remainder
    [InlineData(2 * 4096 + 5, false, 0.01f)]   // Adam: the decay joins the gradient
    [InlineData(5000, false, 0f)]
    public void BlocksGiveTheWholeArrayUpdateToTheBit(int n, bool decoupled, float weightDecay)
    {
        var random = new Random(n);
        float[] Random() => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] p = Random(), g = Random(), m = Random(), v = Random().Select(Math.Abs).ToArray();
        float[] p2 = (float[])p.Clone(), m2 = (float[])m.Clone(), v2 = (float[])v.Clone();
        var h = new AdamKernel.Hyper(3e-3f, weightDecay, decoupled, 0.9f, 0.99f, 1e-8f, 1 - Math.Pow(0.9, 3), 1 - Math.Pow(0.99, 3));

        AdamKernel.Step(p, g, m, v, h);

        // The same steps, each over the whole array.
        float[] grad = g, scratch = new float[n];
        if (weightDecay != 0f)
        {
            if (decoupled) TensorPrimitives.Multiply(p2, 1f - h.LearningRate * weightDecay, p2);
            else
            {
                g.CopyTo(scratch, 0);
                TensorPrimitives.MultiplyAdd(p2, weightDecay, scratch, scratch);
                grad = (float[])scratch.Clone();
            }
        }
        TensorPrimitives.Lerp(m2, grad, 1f - h.Beta1, m2);
        TensorPrimitives.Multiply(v2, h.Beta2, v2);
        Pointwise.AddScaledProduct(v2, grad, grad, 1f - h.Beta2);
        TensorPrimitives.Sqrt(v2, scratch);
        TensorPrimitives.Multiply(scratch, (float)(1 / Math.Sqrt(h.BiasCorrection2)), scratch);
        TensorPrimitives.Add(scratch, h.Eps, scratch);
        Pointwise.AddScaledQuotient(p2, m2, scratch, (float)(-h.LearningRate / h.BiasCorrection1));

        Assert.Equal(m2, m);
        Assert.Equal(v2, v);
        Assert.Equal(p2, p);
    }

    [Fact]
    public void ShortMomentsAreNamed()
    {
        var h = new AdamKernel.Hyper(1e-3f, 0f, true, 0.9f, 0.99f, 1e-8f, 0.1, 0.01);
        var e = Assert.Throws<ArgumentException>(() => AdamKernel.Step(new float[10], new float[10], new float[9], new float[10], h));
        Assert.Contains("AdamKernel.Step: m has 9 elements", e.Message);
    }
}
