using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

public class AutogradTests
{
    [Fact]
    public void BackwardOnAScalarFillsLeafGradients()
    {
        Tensor a = Tensor.FromArray([1f, 2, 3]).RequireGrad();
        Tensor b = Tensor.FromArray([4f, 5, 6]).RequireGrad();
        Tensor loss = (a * b + a).Sum();
        Assert.Equal("Sum", loss.GradFn);
        loss.Backward();
        Assert.Equal([5f, 6, 7], a.Grad!.ToArray());
        Assert.Equal([1f, 2, 3], b.Grad!.ToArray());
    }

    [Fact]
    public void GradientsAccumulateUntilZeroed()
    {
        Tensor a = Tensor.FromArray([1f, 2]).RequireGrad();
        (a * 3f).Sum().Backward();
        (a * 3f).Sum().Backward();
        Assert.Equal([6f, 6], a.Grad!.ToArray());
        a.ZeroGrad();
        Assert.Equal([0f, 0], a.Grad!.ToArray());
        (a * a).Sum().Backward();
        Assert.Equal([2f, 4], a.Grad!.ToArray());
    }

    [Fact]
    public void BackwardWithAnExplicitGradient()
    {
        Tensor a = Tensor.FromArray([1f, 2, 3]).RequireGrad();
        Tensor y = a * a;
        y.Backward(Tensor.FromArray([1f, 0.5f, -1f]));
        Assert.Equal([2f, 2f, -6f], a.Grad!.ToArray());
        var error = Assert.Throws<InvalidOperationException>(() => (a * a).Backward());
        Assert.Contains("[3]", error.Message);
        Assert.Throws<ArgumentException>(() => (a * a).Backward(Tensor.Ones(2)));
    }

    [Fact]
    public void AReusedValueGetsTheSumOfItsPaths()
    {
        Tensor x = Tensor.FromArray([3f]).RequireGrad();
        Tensor y = x * x;       // 2x
        Tensor z = y * x + y;   // x³ + x²: 3x² + 2x = 33
        z.Sum().Backward();
        Assert.Equal(33f, x.Grad!.Item());
    }

    [Fact]
    public void NoGradRecordsNothingAndDetachCutsTheGraph()
    {
        Tensor a = Tensor.Ones(2).RequireGrad();
        using (Tensor.NoGrad())
        {
            Assert.False(Tensor.IsGradEnabled);
            Tensor inside = a * 2f;
            Assert.False(inside.RequiresGrad);
            Assert.Null(inside.GradFn);
        }
        Assert.True(Tensor.IsGradEnabled);
        Tensor d = (a * 2f).Detach();
        Assert.False(d.RequiresGrad);
        Assert.True(d.IsLeaf);
        Assert.Throws<InvalidOperationException>(() => d.Sum().Backward());
    }

    [Fact]
    public void IntermediateGradientsAreNotKept()
    {
        Tensor a = Tensor.Ones(2).RequireGrad();
        Tensor h = a * 2f;
        h.Sum().Backward();
        Assert.Null(h.Grad);
        Assert.NotNull(a.Grad);
    }

    [Fact]
    public void RequiresGradCannotBeSetOnAComputedTensor()
    {
        Tensor a = Tensor.Ones(2).RequireGrad();
        Assert.Throws<InvalidOperationException>(() => (a * 2f).RequiresGrad = false);
        Assert.Throws<ArgumentException>(() => Tensor.ArangeInt(2).RequiresGrad = true);
    }

    [Fact]
    public void DeepChainsDoNotOverflowTheStack()
    {
        Tensor x = Tensor.Ones(1).RequireGrad();
        Tensor y = x;
        for (int i = 0; i < 20_000; i++) y = y * 1f;
        y.Sum().Backward();
        Assert.Equal(1f, x.Grad!.Item());
    }

    [Fact]
    public void AnomalyModeNamesTheFirstOperationThatMadeANaN()
    {
        Tensor x = Tensor.FromArray([1f, -1f]).RequireGrad();
        using (Tensor.AnomalyDetection())
        {
            var forward = Assert.Throws<InvalidOperationException>(() => (x * 2f).Log().Sum());
            Assert.Contains("Log", forward.Message);
            Assert.Contains("NaN", forward.Message);
            Assert.Contains("forward", forward.Message);

            // sqrt(0) is fine forward, but its gradient 1/(2·sqrt(0)) is infinite.
            Tensor z = Tensor.FromArray([0f, 4f]).RequireGrad();
            var backward = Assert.Throws<InvalidOperationException>(() => z.Sqrt().Sum().Backward());
            Assert.Contains("backward of Sqrt", backward.Message);
            Assert.Contains("infinity", backward.Message);
        }
        Assert.False(Tensor.DetectAnomaly);
        Assert.True(float.IsNaN((x * 2f).Log().ToArray()[1])); // off again: no throw
    }
}
