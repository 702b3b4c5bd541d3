using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;

namespace Nabla.Tests.Tensors;

public class ComparisonTests
{
    [Fact]
    public void ComparisonsMatchLibtorchWithBroadcasting()
    {
        var g = new Generator(8);
        // Small integers so that equal values are common.
        Tensor a = Tensor.RandInt(0, 3, [4, 5], g).ToFloat32(), b = Tensor.RandInt(0, 3, [5], g).ToFloat32();
        TorchParity.Check(t => t[0].Eq(t[1]), t => t[0].eq(t[1]), a, b);
        TorchParity.Check(t => t[0].Ne(t[1]), t => t[0].ne(t[1]), a, b);
        TorchParity.Check(t => t[0].Gt(t[1]), t => t[0].gt(t[1]), a, b);
        TorchParity.Check(t => t[0].Ge(t[1]), t => t[0].ge(t[1]), a, b);
        TorchParity.Check(t => t[0].Lt(t[1]), t => t[0].lt(t[1]), a, b);
        TorchParity.Check(t => t[0].Le(1f), t => t[0].le(1f), a);
        Tensor large = Tensor.Randn([300, 200], g); // the multi-threaded kernel path
        TorchParity.Check(t => t[0].Gt(0.1f), t => t[0].gt(0.1f), large);
    }

    [Fact]
    public void IntTensorsCompareByValueAndGiveAFloatMask()
    {
        Tensor predicted = Tensor.FromArray([0, 2, 1, 2]), targets = Tensor.FromArray([0, 1, 1, 2]);
        Tensor hits = predicted.Eq(targets);
        Assert.Equal(DType.Float32, hits.DType);
        Assert.Equal([1f, 0, 1, 1], hits.ToArray());
        Assert.Equal(0.75f, hits.Mean().Item());
        Assert.False(Tensor.Ones(2).RequireGrad().Gt(0f).RequiresGrad);
        Assert.Equal([0f, 1f], Tensor.FromArray([float.NaN, 1f]).Eq(Tensor.FromArray([float.NaN, 1f])).ToArray());
        Assert.Equal([1f, 0f], Tensor.FromArray([float.NaN, 1f]).Ne(Tensor.FromArray([float.NaN, 1f])).ToArray());
    }
}
