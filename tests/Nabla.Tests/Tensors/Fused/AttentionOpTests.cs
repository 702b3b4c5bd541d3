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

    [Theory]
    [InlineData(5, 5, true)]
    [InlineData(4, 6, false)]
    public void WithDropoutGradientsMatchFiniteDifferences(int queries, int keys, bool causal)
    {
        // A generator of the same seed at every call: the same mask, so a function finite differences can probe.
        Tensor[] inputs = Inputs([2, 2, queries, 4], [2, 2, keys, 4], seed: queries * 10 + keys + 1);
        GradCheck.Check(t => Tensor.ScaledDotProductAttention(t[0], t[1], t[2], causal, dropout: 0.3f, generator: new Generator(5)), inputs);
        var g = new Generator(17);
        Tensor qkv = Tensor.Randn([2, 5, 3 * 2 * 3], g).RequireGrad();
        GradCheck.Check(t => Tensor.PackedCausalAttention(t[0], heads: 2, dropout: 0.3f, generator: new Generator(6)), [qkv]);
    }

    [Fact]
    public void DropoutDrawsAFreshMaskPerCallAndNoneWhenZero()
    {
        Tensor qkv = Tensor.Randn([2, 9, 3 * 8], new Generator(3));
        var g = new Generator(8);
        float[] plain = Tensor.PackedCausalAttention(qkv, 2).ToArray();
        Assert.Equal(plain, Tensor.PackedCausalAttention(qkv, 2, dropout: 0f, generator: g).ToArray());
        Assert.Equal(new Generator(8).NextUInt64(), g.NextUInt64());   // p = 0 draws nothing
        float[] first = Tensor.PackedCausalAttention(qkv, 2, dropout: 0.5f, generator: g).ToArray();
        float[] second = Tensor.PackedCausalAttention(qkv, 2, dropout: 0.5f, generator: g).ToArray();
        Assert.NotEqual(plain, first);
        Assert.NotEqual(first, second);
        Assert.Contains("PackedCausalAttention: dropout must be in [0, 1), got 1", Assert.Throws<ArgumentException>(() => Tensor.PackedCausalAttention(qkv, 2, dropout: 1f)).Message);
        Assert.Contains("ScaledDotProductAttention: dropout must be in [0, 1), got -0.1", Assert.Throws<ArgumentException>(() =>
            Tensor.ScaledDotProductAttention(Tensor.Zeros(1, 2, 4), Tensor.Zeros(1, 2, 4), Tensor.Zeros(1, 2, 4), dropout: -0.1f)).Message);
    }

    [Fact]
    public void PackedAttentionGradientsMatchFiniteDifferences()
    {
        var g = new Generator(17);
        Tensor qkv = Tensor.Randn([2, 5, 3 * 2 * 3], g).RequireGrad();   // B 2, T 5, 2 heads of size 3
        GradCheck.Check(t => Tensor.PackedCausalAttention(t[0], heads: 2), [qkv]);
    }

    [Theory]
    [InlineData(2, 3, 9, 8)]
    [InlineData(1, 2, 70, 16)]
    [InlineData(3, 4, 33, 32)]
    public void PackedAttentionMatchesLibtorch(int B, int nh, int T, int hs)
    {
        // GPT-2's attention from c_attn's output: split, heads, causal attention, heads side by side again.
        var g = new Generator(37);
        Tensor qkv = Tensor.Randn([B, T, 3 * nh * hs], g).RequireGrad();
        int C = nh * hs;
        TorchParity.Check(t => Tensor.PackedCausalAttention(t[0], nh), t =>
        {
            TT[] parts = t[0].split(C, 2);
            TT Heads(TT z) => z.view(B, T, nh, hs).transpose(1, 2);
            return nn.functional.scaled_dot_product_attention(Heads(parts[0]), Heads(parts[1]), Heads(parts[2]), null, 0.0, true)
                .transpose(1, 2).reshape(B, T, C);
        }, qkv);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.2f)]
    public void PackedAttentionEqualsAttentionOnTheViews(float dropout)
    {
        // The same sums in the same order as ScaledDotProductAttention on copies of the heads: equal to the bit;
        // with dropout, the same seed gives both the same mask (head b · nh + n in both).
        int B = 2, nh = 3, T = 40, hs = 16, C = nh * hs;
        Tensor qkv = Tensor.Randn([B, T, 3 * C], new Generator(3)).RequireGrad();
        Tensor dy = Tensor.Randn([B, T, C], new Generator(4));
        Tensor packed = Tensor.PackedCausalAttention(qkv, nh, dropout: dropout, generator: new Generator(9));
        packed.Backward(dy);
        float[] packedGrad = qkv.Grad!.ToArray();
        qkv.Grad = null;
        Tensor heads = qkv.View(B, T, 3, nh, hs).Permute(2, 0, 3, 1, 4);
        Tensor viewed = Tensor.ScaledDotProductAttention(heads.Select(0, 0), heads.Select(0, 1), heads.Select(0, 2), causal: true,
                dropout: dropout, generator: new Generator(9))
            .Transpose(1, 2).Reshape(B, T, C);
        viewed.Backward(dy);
        Assert.Equal(viewed.ToArray(), packed.ToArray());
        Assert.Equal(qkv.Grad!.ToArray(), packedGrad);
    }

    [Fact]
    public void PackedAttentionWrongShapesAreNamed()
    {
        string Message(Tensor qkv, int heads) => Assert.Throws<ArgumentException>(() => Tensor.PackedCausalAttention(qkv, heads)).Message;
        Assert.Contains("PackedCausalAttention: qkv [2,5,10]", Message(Tensor.Zeros(2, 5, 10), 1));
        Assert.Contains("multiple of the 4 heads", Message(Tensor.Zeros(2, 5, 18), 4));
        Assert.Contains("(B, T, 3C)", Message(Tensor.Zeros(5, 18), 2));
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
