using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.Tensors;

public class RetainGradTests
{
    [Fact]
    public void RetainedIntermediateGradientsMatchLibtorch()
    {
        var g = new Generator(11);
        Tensor x = Tensor.Randn([4, 3], g).RequireGrad();
        Tensor w = Tensor.Randn([3, 5], g).RequireGrad();
        Tensor h = x.MatMul(w).RetainGrad();
        Tensor a = h.Tanh().RetainGrad();
        Tensor loss = (a * a).Mean(0).Sum().RetainGrad();
        Tensor notRetained = a.Exp();
        (loss + notRetained.Sum()).Backward();

        using var scope = torch.NewDisposeScope();
        var tx = TorchParity.ToTorch(x);
        var tw = TorchParity.ToTorch(w);
        var th = tx.matmul(tw); th.retain_grad();
        var ta = th.tanh(); ta.retain_grad();
        var tloss = (ta * ta).mean([0]).sum(); tloss.retain_grad();
        (tloss + ta.exp().sum()).backward();

        TorchParity.AssertClose("h.Grad", h.Grad!, th.grad!, 1e-5);
        TorchParity.AssertClose("a.Grad", a.Grad!, ta.grad!, 1e-5);
        TorchParity.AssertClose("loss.Grad", loss.Grad!, tloss.grad!, 1e-6);
        TorchParity.AssertClose("x.Grad", x.Grad!, tx.grad!, 1e-5);
        Assert.Null(notRetained.Grad);
        Assert.True(h.RetainsGrad);
        Assert.False(notRetained.RetainsGrad);
    }

    [Fact]
    public void WithoutRetainGradIntermediateGradientsAreFreed()
    {
        Tensor x = Tensor.FromArray([1f, 2f]).RequireGrad();
        Tensor y = x * 3f;
        y.Sum().Backward();
        Assert.Null(y.Grad);
        Assert.Equal([3f, 3f], x.Grad!.ToArray());
    }

    [Fact]
    public void ASecondPassAddsToTheRetainedGradientAndPropagatesOnlyItsOwn()
    {
        Tensor x = Tensor.FromArray([0.5f, -1f, 2f]).RequireGrad();
        Tensor y = (x * x).RetainGrad();
        Tensor loss = (y * 2f).Sum().RetainGrad();
        loss.Backward();
        float[] once = x.Grad!.ToArray();
        Assert.Equal([2f, 2f, 2f], y.Grad!.ToArray());
        Assert.Equal(1f, loss.Grad!.Item());

        loss.Backward();
        Assert.Equal([4f, 4f, 4f], y.Grad!.ToArray());
        Assert.Equal(2f, loss.Grad!.Item());
        // x receives the second pass's 2·2x, not the retained sum's: twice the first pass, not three times.
        Assert.Equal(once.Select(v => 2 * v), x.Grad!.ToArray());

        // A pass from another output that does not go through loss leaves loss's gradient alone.
        y.ZeroGrad();
        y.Sum().Backward();
        Assert.Equal([1f, 1f, 1f], y.Grad!.ToArray());
        Assert.Equal(2f, loss.Grad!.Item());
    }

    [Fact]
    public void LeavesAndTensorsWithoutGradients()
    {
        Tensor leaf = Tensor.Ones(2).RequireGrad();
        Assert.Same(leaf, leaf.RetainGrad());
        Assert.False(leaf.RetainsGrad);
        var error = Assert.Throws<InvalidOperationException>(() => Tensor.Ones(2).RetainGrad());
        Assert.Contains("RetainGrad:", error.Message);
        Assert.Contains("does not require a gradient", error.Message);
    }
}
