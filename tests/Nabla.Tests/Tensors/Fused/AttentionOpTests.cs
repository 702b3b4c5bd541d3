using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.Tensors.Fused;

/// <summary>Tensor.ScaledDotProductAttention against finite differences and against libtorch, through views.</summary>
public class AttentionOpTests
{
    private static Tensor[] Inputs(int[] queryShape, int[] keyShape, int seed)
    {
        var g = new Generator((ulong)seed);
        return [Tensor.Randn(queryShape, g).RequireGrad(), Tensor.Randn(keyShape, g).RequireGrad(), Tensor.Randn(keyShape, g).RequireGrad()];
    }

    [Theory]
    [InlineData(5, 5, true)]
    [InlineData(5, 5, false)]
    [InlineData(3, 6, true)]    // the last 3 positions of 6
    [InlineData(4, 6, false)]
    public void GradientsMatchFiniteDifferences(int queries, int keys, bool causal)
    {
        Tensor[] inputs = Inputs([2, 2, queries, 4], [2, 2, keys, 4], seed: queries * 10 + keys);
        GradCheck.Check(t => Tensor.ScaledDotProductAttention(t[0], t[1], t[2], causal), inputs);
    }

    [Theory]
    [InlineData(2, 3, 9, 8, true)]
    [InlineData(1, 2, 70, 16, true)]
    [InlineData(2, 2, 11, 32, false)]
    public void MatchesLibtorchThroughViews(int B, int nh, int T, int hs, bool causal)
    {
        // q, k and v cut from one (B, T, 3, nh, hs) projection, as attention layers do: none is contiguous.
        var g = new Generator(31);
        Tensor qkv = Tensor.Randn([B, T, 3 * nh * hs], g).RequireGrad();
        TorchParity.Check(t =>
        {
            Tensor heads = t[0].View(B, T, 3, nh, hs).Permute(2, 0, 3, 1, 4);
            return Tensor.ScaledDotProductAttention(heads.Select(0, 0), heads.Select(0, 1), heads.Select(0, 2), causal);
        }, t =>
        {
            TT heads = t[0].view(B, T, 3, nh, hs).permute(2, 0, 3, 1, 4);
            return nn.functional.scaled_dot_product_attention(heads[0], heads[1], heads[2], null, 0.0, causal);
        }, qkv);
    }

    [Fact]
    public void AnExplicitScaleAndAnInputWithoutGradient()
    {
        Tensor[] inputs = Inputs([3, 6, 8], [3, 6, 8], seed: 4);
        inputs[1] = inputs[1].Detach();   // no gradient wanted for k: the kernel's share goes to scratch
        TorchParity.Check(t => Tensor.ScaledDotProductAttention(t[0], t[1], t[2], causal: true, scale: 0.3f),
            t => nn.functional.softmax(matmul(t[0], t[1].transpose(1, 2)).mul(0.3f)
                .masked_fill(ones(6, 6, ScalarType.Bool).triu(1), float.NegativeInfinity), 2).matmul(t[2]), inputs);
        Assert.Null(inputs[1].Grad);
    }

    [Fact]
    public void WrongShapesAreNamed()
    {
        Tensor q = Tensor.Zeros(2, 3, 5, 4), k = Tensor.Zeros(2, 3, 6, 4);
        string Message(Tensor a, Tensor b, Tensor c, bool causal = false) =>
            Assert.Throws<ArgumentException>(() => Tensor.ScaledDotProductAttention(a, b, c, causal)).Message;
        Assert.Contains("ScaledDotProductAttention: query [2,3,5,4], key [2,3,6,4], value [2,3,6,5]",
            Message(q, k, Tensor.Zeros(2, 3, 6, 5)));
        Assert.Contains("same rank", Message(Tensor.Zeros(4), Tensor.Zeros(4), Tensor.Zeros(4)));
        Assert.Contains("Tq = 6 > Tk = 5", Message(k, q, q, causal: true));
    }
}
