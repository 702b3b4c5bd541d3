using Nabla.Tensors;
using TorchSharp;
using TT = TorchSharp.torch.Tensor;

namespace Nabla.Tests.Tensors.Support;

/// <summary>
/// Runs the same computation in Nabla and in libtorch (TorchSharp) on the same inputs and compares
/// the forward values and the gradients of every input that requires one. The output gradient is the
/// same random tensor on both sides, so backward rules are compared as vector–Jacobian products.
/// Int32 inputs (indices) become int64 torch tensors, as PyTorch's index operations expect.
/// </summary>
public static class TorchParity
{
    public const double DefaultTolerance = 1e-4;

    public static void Check(Func<Tensor[], Tensor> nabla, Func<TT[], TT> torchFunction, params Tensor[] inputs) =>
        Check(nabla, torchFunction, inputs, DefaultTolerance);

    /// <param name="tolerance">Absolute and relative: |a − b| ≤ tol · (1 + |b|).</param>
    public static void Check(Func<Tensor[], Tensor> nabla, Func<TT[], TT> torchFunction, Tensor[] inputs, double tolerance)
    {
        using var scope = torch.NewDisposeScope();
        foreach (Tensor input in inputs) input.Grad = null;
        TT[] torchInputs = inputs.Select(ToTorch).ToArray();

        Tensor y = nabla(inputs);
        TT expected = torchFunction(torchInputs);
        AssertClose("forward", y, expected, tolerance);

        if (!inputs.Any(i => i.RequiresGrad)) return;
        Tensor dy = Tensor.Randn(y.Shape.ToArray(), new Generator(777));
        y.Backward(dy);
        expected.backward([ToTorch(dy)]);
        for (int k = 0; k < inputs.Length; k++)
        {
            if (!inputs[k].RequiresGrad) continue;
            TT? torchGrad = torchInputs[k].grad;
            Assert.NotNull(torchGrad);
            Assert.NotNull(inputs[k].Grad);
            AssertClose($"gradient of input {k}", inputs[k].Grad!, torchGrad!, tolerance);
        }
    }

    /// <summary>A torch copy of a Nabla tensor (same values and shape; requires_grad copied).</summary>
    public static TT ToTorch(Tensor t)
    {
        long[] shape = t.Shape.ToArray().Select(s => (long)s).ToArray();
        if (t.DType == DType.Int32)
            return torch.tensor(t.ToIntArray().Select(v => (long)v).ToArray(), shape, torch.int64);
        return torch.tensor(t.ToArray(), shape, torch.float32).requires_grad_(t.RequiresGrad);
    }

    public static void AssertClose(string what, Tensor actual, TT expected, double tolerance)
    {
        long[] expectedShape = expected.shape;
        Assert.True(expectedShape.SequenceEqual(actual.Shape.ToArray().Select(s => (long)s)),
            $"{what}: shape {GradCheck.Shape(actual)} differs from torch's [{string.Join(",", expectedShape)}]");
        float[] a = actual.ToArray();
        float[] e = expected.to_type(torch.float32).contiguous().data<float>().ToArray();
        for (int i = 0; i < a.Length; i++)
        {
            bool bothNaN = float.IsNaN(a[i]) && float.IsNaN(e[i]);
            bool sameInfinity = float.IsInfinity(a[i]) && a[i] == e[i];
            if (bothNaN || sameInfinity) continue;
            if (!(Math.Abs(a[i] - e[i]) <= tolerance * (1 + Math.Abs(e[i]))))
                Assert.Fail($"{what}: element {i} is {a[i]:G7}, torch says {e[i]:G7}");
        }
    }
}
