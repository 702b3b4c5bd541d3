using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;

namespace Nabla.Tests.Tensors;

/// <summary>Argmax/argmin (int32 results, not differentiable) and large tensors that take the multi-threaded kernel paths, against libtorch.</summary>
public class IndexReductionTests
{
    [Fact]
    public void ArgMaxAndArgMinMatchLibtorch()
    {
        Tensor x = Tensor.Randn([4, 5, 6], new Generator(5));
        TorchParity.Check(t => t[0].ArgMax(1), t => t[0].argmax(1), x);
        TorchParity.Check(t => t[0].ArgMin(-1, keepDim: true), t => t[0].argmin(-1, keepdim: true), x);
        TorchParity.Check(t => t[0].ArgMax(), t => t[0].argmax(), x);
        TorchParity.Check(t => t[0].Transpose(0, 2).ArgMin(0), t => t[0].transpose(0, 2).argmin(0), x);
        Assert.Equal(DType.Int32, x.ArgMax(0).DType);
    }

    [Fact]
    public void ArgMaxTakesTheFirstOfEqualValues()
    {
        Tensor x = Tensor.FromArray([1f, 3f, 3f, 0f]);
        Assert.Equal(1, x.ArgMax().GetInt());
        Assert.Equal(3f, x.Max().Item());
    }

    [Fact]
    public void TiedExtremaShareTheGradientAsLibtorchDoes()
    {
        // Values in {−1, 0, 1, 2}: every group has ties. (Finite differences cannot check a tie, so only
        // libtorch is the oracle here.) max/min along one dim: the first extremum takes all of dy.
        // max()/min() and amax/amin over several dims: the tied extrema share it equally.
        var g = new Generator(21);
        float[] values = Tensor.RandInt(-1, 3, [3, 4, 5], g).ToArray();
        Tensor x = Tensor.FromArray(values, 3, 4, 5).RequireGrad();
        long[] L(params long[] dims) => dims;
        TorchParity.Check(t => t[0].Max(1), t => t[0].max(1).values, x);
        TorchParity.Check(t => t[0].Min(-1, keepDim: true), t => t[0].min(-1, keepdim: true).values, x);
        TorchParity.Check(t => t[0].Max(), t => t[0].max(), x);
        TorchParity.Check(t => t[0].Min(), t => t[0].min(), x);
        TorchParity.Check(t => t[0].Max([1, 2]), t => t[0].amax(L(1, 2)), x);
        TorchParity.Check(t => t[0].Min([0, 2], keepDim: true), t => t[0].amin(L(0, 2), keepdim: true), x);
        TorchParity.Check(t => t[0].Transpose(0, 2).Max([0, 1]), t => t[0].transpose(0, 2).amax(L(0, 1)), x); // strided groups

        Tensor withNaN = Tensor.FromArray([1f, float.NaN, 3f, float.NaN]).RequireGrad();
        withNaN.Max().Backward();
        Assert.Equal([0f, 0.5f, 0f, 0.5f], withNaN.Grad!.ToArray()); // NaN is the maximum; the NaNs share, as torch.max()
    }

    [Fact]
    public void LargeTensorsMatchLibtorchOnTheParallelPaths()
    {
        var g = new Generator(11);
        int[] shape = [128, 512]; // 65,536 elements: above Elementwise.ParallelThreshold
        Tensor a = Tensor.Randn(shape, g).RequireGrad(), b = Tensor.Randn(shape, g).RequireGrad(), c = Tensor.Randn([512], g).RequireGrad();
        TorchParity.Check(t => (t[0] * t[1] + t[2]).Tanh().Exp() - t[0].Relu(), t => (t[0] * t[1] + t[2]).tanh().exp() - t[0].relu(), a, b, c);
        TorchParity.Check(t => t[0].Sigmoid().Sum(0) + t[1].Abs().Mean(1).Sum(), t => t[0].sigmoid().sum([0L]) + t[1].abs().mean([1L]).sum(), a, b);
    }
}
