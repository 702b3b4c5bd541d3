using Nabla.NN;
using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.NN;

/// <summary>
/// CausalSelfAttention against libtorch's scaled_dot_product_attention(is_causal: true) with the same
/// projection weights, against finite differences, and for causality itself: no output depends on a later
/// input.
/// </summary>
public class CausalSelfAttentionTests
{
    /// <summary>The same computation in libtorch: c_attn, heads, SDPA with its own causal mask, c_proj.</summary>
    private static TT TorchAttention(TT[] t, int heads, bool bias)
    {
        long B = t[0].shape[0], T = t[0].shape[1], C = t[0].shape[2], hs = C / heads;
        TT[] qkv = nn.functional.linear(t[0], t[1], bias ? t[2] : null).split(C, 2);
        TT Heads(TT z) => z.view(B, T, heads, hs).transpose(1, 2);
        // (q, k, v, attn_mask, dropout p, is_causal), positionally: TorchSharp 0.107 spells the last one is_casual.
        TT y = nn.functional.scaled_dot_product_attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), null, 0.0, true);
        y = y.transpose(1, 2).contiguous().view(B, T, C);
        return bias ? nn.functional.linear(y, t[3], t[4]) : nn.functional.linear(y, t[2]);
    }

    private static Tensor[] Weights(CausalSelfAttention attention) => [.. attention.Parameters()];

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 2)]
    [InlineData(true, 1)]
    [InlineData(true, 4)]
    public void MatchesLibtorchScaledDotProductAttention(bool bias, int heads)
    {
        var g = new Generator(21);
        var attention = new CausalSelfAttention(8, heads, bias: bias, generator: g);
        // Lengths that are and are not multiples of the kernel's blocks, and the edge case T = 1.
        foreach (int T in new[] { 3, 7, 5, 1, 33 })
        {
            Tensor x = Tensor.Randn([2, T, 8], g).RequireGrad();
            TorchParity.Check(t => attention.Forward(t[0]), t => TorchAttention(t, heads, bias), [x, .. Weights(attention)]);
        }
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var g = new Generator(22);
        var attention = new CausalSelfAttention(4, 2, generator: g);
        Tensor x = Tensor.Randn([2, 3, 4], g).RequireGrad();
        GradCheck.Check(t => attention.Forward(t[0]), [x, .. Weights(attention)]);
    }

    [Fact]
    public void NoOutputDependsOnALaterInput()
    {
        const int T = 6;
        var g = new Generator(23);
        var attention = new CausalSelfAttention(8, 2, generator: g);
        Tensor x = Tensor.Randn([2, T, 8], g);
        float[] y = attention.Forward(x).ToArray();
        for (int t = 0; t < T - 1; t++)
        {
            // Replace every input after t: the outputs up to t are the same bits, and some later one is not.
            float[] changed = x.ToArray();
            for (int b = 0; b < 2; b++)
                for (int i = (b * T + t + 1) * 8; i < (b + 1) * T * 8; i++) changed[i] += 1f + i % 3;
            float[] y2 = attention.Forward(Tensor.FromArray(changed, 2, T, 8)).ToArray();
            for (int b = 0; b < 2; b++)
            {
                Range past = ((b * T) * 8)..((b * T + t + 1) * 8), future = ((b * T + t + 1) * 8)..((b + 1) * T * 8);
                Assert.Equal(y[past], y2[past]);
                Assert.NotEqual(y[future], y2[future]);
            }
        }

        // The same through backward: the gradient of output t reaches inputs 0..t and no later one.
        for (int t = 0; t < T; t++)
        {
            Tensor leaf = x.Detach().RequireGrad();
            attention.Forward(leaf).Select(1, t).Sum().Backward();
            float[] grad = leaf.Grad!.ToArray();
            for (int b = 0; b < 2; b++)
                for (int s = 0; s < T; s++)
                {
                    float[] row = grad[((b * T + s) * 8)..((b * T + s + 1) * 8)];
                    if (s <= t) Assert.Contains(row, v => v != 0f);
                    else Assert.All(row, v => Assert.Equal(0f, v));
                }
        }
    }

    [Fact]
    public void ParameterNamesAreGpt2sAndThereAreNoBuffers()
    {
        var attention = new CausalSelfAttention(12, 3);
        Assert.Equal(["c_attn.weight", "c_attn.bias", "c_proj.weight", "c_proj.bias"], attention.NamedParameters().Select(p => p.Name));
        Assert.Equal([36, 12], attention.CAttn.Weight.Shape.ToArray());
        Assert.Empty(attention.NamedBuffers());
        Assert.Equal(["c_attn.weight", "c_proj.weight"], new CausalSelfAttention(12, 3, bias: false).StateDict().Keys);
    }

    [Fact]
    public void DropoutActsInTrainingOnly()
    {
        var g = new Generator(24);
        var plain = new CausalSelfAttention(8, 2, generator: new Generator(5));
        var dropped = new CausalSelfAttention(8, 2, dropout: 0.5f, generator: new Generator(5));
        Tensor x = Tensor.Randn([2, 5, 8], g);
        float[] expected = plain.Forward(x).ToArray();
        float[] training;
        using (new TensorScope()) training = dropped.Forward(x).ToArray();
        Assert.NotEqual(expected, training);
        dropped.Eval();
        using (new TensorScope()) Assert.Equal(expected, dropped.Forward(x).ToArray());
    }

    [Fact]
    public void AttentionDropoutFollowsItsGeneratorAndKeepsCausality()
    {
        const int T = 6;
        var generator = new Generator(5);
        var attention = new CausalSelfAttention(8, 2, dropout: 0.5f, generator: generator);
        Tensor x = Tensor.Randn([2, T, 8], new Generator(26));
        float[] Run(Tensor input, ulong? seed)
        {
            if (seed is ulong s) generator.Reseed(s);
            using (new TensorScope()) return attention.Forward(input).ToArray();
        }
        float[] y = Run(x, 99);
        Assert.Equal(y, Run(x, 99));          // the same draws, the same masks
        Assert.NotEqual(y, Run(x, null));     // the next draws, other masks
        // Masks depend on positions, not on values: with the same draws, changing the last two positions
        // leaves the outputs of the first four as they were.
        float[] changed = x.ToArray();
        for (int b = 0; b < 2; b++)
            for (int i = (b * T + 4) * 8; i < (b + 1) * T * 8; i++) changed[i] += 2f;
        float[] y2 = Run(Tensor.FromArray(changed, 2, T, 8), 99);
        for (int b = 0; b < 2; b++)
        {
            Range past = (b * T * 8)..((b * T + 4) * 8), future = ((b * T + 4) * 8)..((b + 1) * T * 8);
            Assert.Equal(y[past], y2[past]);
            Assert.NotEqual(y[future], y2[future]);
        }
    }

    [Fact]
    public void WrongShapesAreNamed()
    {
        Assert.Contains("embedding size 10 must be a positive multiple of the head count 4",
            Assert.Throws<ArgumentException>(() => new CausalSelfAttention(10, 4)).Message);
        Assert.Contains("CausalSelfAttention(C = 8): input [2,5,6] must be (B, T, 8)",
            Assert.Throws<ArgumentException>(() => new CausalSelfAttention(8, 2).Forward(Tensor.Zeros(2, 5, 6))).Message);
    }
}
