using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

public class TensorScopeTests
{
    [Fact]
    public void TensorsComputedInsideAScopeAreReleasedWithIt()
    {
        Tensor a = Tensor.Ones(3).RequireGrad();
        Tensor inside, view, kept;
        using (var scope = new TensorScope())
        {
            inside = a * 2f;
            view = inside.Reshape(3, 1);
            kept = scope.Keep((a + 1f).Unsqueeze(0));
            (inside * a).Sum().Backward();
        }
        var error = Assert.Throws<ObjectDisposedException>(() => inside.ToArray());
        Assert.Contains("TensorScope", error.Message);
        Assert.Throws<ObjectDisposedException>(() => view.Sum());
        Assert.Contains("released", inside.ToString());
        Assert.Equal([2f, 2f, 2f], kept.ToArray());
        Assert.Equal([4f, 4f, 4f], a.Grad!.ToArray()); // d(2a·a)/da = 4a; leaves and their gradients are never reclaimed
        Assert.Equal([1f, 1f, 1f], a.ToArray());
    }

    [Fact]
    public void BuffersAreReusedAndResultsStayCorrect()
    {
        var g = new Generator(3);
        Tensor x = Tensor.Randn([8, 16], g), w = Tensor.Randn([16, 4], g).RequireGrad();
        float[]? first = null;
        for (int step = 0; step < 3; step++)
        {
            w.ZeroGrad();
            using var scope = new TensorScope();
            Tensor loss = x.MatMul(w).Tanh().Pow(2f).Mean();
            loss.Backward();
            float[] grad = w.Grad!.ToArray();
            first ??= grad;
            Assert.Equal(first, grad); // recycled (dirty) buffers must not change any result
        }
    }

    [Fact]
    public void NestedScopesHandKeptTensorsToTheOuterOne()
    {
        Tensor a = Tensor.Ones(2);
        Tensor survivor;
        using (var outer = new TensorScope())
        {
            using (var inner = new TensorScope())
            {
                survivor = inner.Keep(a * 3f);
            }
            Assert.Equal([3f, 3f], survivor.ToArray());
        }
        Assert.Throws<ObjectDisposedException>(() => survivor.ToArray());
    }

    [Fact]
    public void ScopesMustEndInOrder()
    {
        var outer = new TensorScope();
        var inner = new TensorScope();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
    }
}
