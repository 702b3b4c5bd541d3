using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;

namespace Nabla.Tests.Tensors.Fused;

/// <summary>Top-k, multinomial sampling and dropout: exact where exact is possible, statistics where it is not.</summary>
public class SamplingTests
{
    [Fact]
    public void TopKIndicesMatchLibtorch()
    {
        Tensor x = Tensor.FromArray([0.5f, -1f, 3f, 2f, 0f, 7f, -2f, 1f, 4f, -3f], 2, 5);
        var (values, indices) = x.TopK(3);
        using var scope = torch.NewDisposeScope();
        var (tv, ti) = TorchParity.ToTorch(x).topk(3, 1, true, true);
        TorchParity.AssertClose("values", values, tv, 0);
        Assert.Equal(DType.Int32, indices.DType);
        Assert.Equal(ti.data<long>().ToArray().Select(v => (int)v).ToArray(), indices.ToIntArray());
        var (smallest, at) = x.TopK(2, largest: false);
        Assert.Equal([-1f, 0f, -3f, -2f], smallest.ToArray());
        Assert.Equal([1, 4, 4, 1], at.ToIntArray());
    }

    [Fact]
    public void TopKOfAVocabularyRowMatchesAStableSort()
    {
        // Values rounded to 0.1 repeat many times: among equals the lower index must come first, on both
        // the selection path (k ≪ V) and the sorting path (k close to V).
        var g = new Generator(21);
        float[] row = Tensor.Randn([3000], g).ToArray().Select(v => MathF.Round(v * 10f) / 10f).ToArray();
        Tensor x = Tensor.FromArray(row, 1, 3000);
        foreach (int k in new[] { 1, 50, 2900 })
            foreach (bool largest in new[] { true, false })
            {
                int[] expected = Enumerable.Range(0, row.Length)
                    .OrderBy(i => largest ? -row[i] : row[i]).ThenBy(i => i).Take(k).ToArray();
                var (values, indices) = x.TopK(k, largest: largest);
                Assert.Equal(expected, indices.ToIntArray());
                Assert.Equal(expected.Select(i => row[i]).ToArray(), values.ToArray());
            }
        float[] withNaN = [1f, float.NaN, 3f, 2f, 0f, -1f, 5f, 4f, 9f, 8f, 7f, 6f, 1f, 1f, 1f, 1f];
        Assert.Equal([1, 8], Tensor.FromArray(withNaN, 16).TopK(2).Indices.ToIntArray());   // NaN counts as the largest
    }

    [Fact]
    public void TopKRejectsKBeyondTheDimension()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, 5).TopK(6));
        Assert.Contains("TopK: k = 6 is out of range for dimension 1 of size 5", ex.Message);
    }

    [Fact]
    public void MultinomialFrequenciesFollowTheWeights()
    {
        // 40,000 draws: each frequency must be within 5 standard errors of its probability, and a
        // zero-weight category must never be drawn.
        float[] weights = [1f, 0f, 3f, 6f];   // unnormalized: probabilities 0.1, 0, 0.3, 0.6
        const int draws = 40_000;
        Tensor samples = Tensor.Multinomial(Tensor.FromArray(weights, 4), draws, replacement: true, new Generator(9));
        int[] counts = new int[4];
        foreach (int s in samples.ToIntArray()) counts[s]++;
        Assert.Equal(0, counts[1]);
        for (int c = 0; c < 4; c++)
        {
            double p = weights[c] / 10.0, se = Math.Sqrt(p * (1 - p) / draws);
            Assert.True(Math.Abs(counts[c] / (double)draws - p) <= 5 * se + 1e-12, $"category {c}: {counts[c]} of {draws}, p = {p}");
        }
    }

    [Fact]
    public void MultinomialIsSeededAndWithoutReplacementDrawsEachCategoryOnce()
    {
        Tensor probs = Tensor.Randn([3, 10], new Generator(4)).Softmax(1);
        int[] a = Tensor.Multinomial(probs, 1, generator: new Generator(42)).ToIntArray();
        int[] b = Tensor.Multinomial(probs, 1, generator: new Generator(42)).ToIntArray();
        Assert.Equal(a, b);
        Assert.Equal([3, 1], Tensor.Multinomial(probs, 1, generator: new Generator(1)).Shape.ToArray());
        int[] all = Tensor.Multinomial(probs, 10, replacement: false, new Generator(5)).ToIntArray();
        for (int r = 0; r < 3; r++) Assert.Equal(Enumerable.Range(0, 10), all.Skip(r * 10).Take(10).Order());
    }

    [Fact]
    public void MultinomialRejectsBadWeights()
    {
        var negative = Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.FromArray([0.5f, -0.1f], 2), 1));
        Assert.Contains("probability -0.1 at row 0, column 1", negative.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Multinomial(Tensor.FromArray([0f, 0f], 2), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Multinomial(Tensor.FromArray([1f, 1f], 2), 3));
    }

    [Fact]
    public void DropoutScalesSurvivorsAndIsTheIdentityInEvaluation()
    {
        Tensor x = Tensor.Ones(100_000);
        Tensor y = x.Dropout(0.25f, training: true, new Generator(3));
        float[] v = y.ToArray();
        Assert.All(v, e => Assert.True(e == 0f || e == 1f / 0.75f));
        double dropped = v.Count(e => e == 0f) / (double)v.Length;
        Assert.InRange(dropped, 0.25 - 5 * Math.Sqrt(0.25 * 0.75 / v.Length), 0.25 + 5 * Math.Sqrt(0.25 * 0.75 / v.Length));
        Assert.Same(x, x.Dropout(0.25f, training: false));
        Assert.Equal(v, x.Dropout(0.25f, training: true, new Generator(3)).ToArray());   // same seed, same mask
        Assert.All(x.Dropout(1f, training: true).ToArray(), e => Assert.Equal(0f, e));
        Assert.Throws<ArgumentException>(() => x.Dropout(1.5f, training: true));
    }

    [Fact]
    public void DropoutGradientUsesTheForwardMask()
    {
        // With the generator fixed inside the function, every evaluation draws the same mask.
        Tensor x = Tensor.Randn([4, 6], new Generator(8)).RequireGrad();
        GradCheck.Check(t => t[0].Dropout(0.4f, training: true, new Generator(6)), x);
        Tensor y = x.Dropout(0.4f, training: true, new Generator(6));
        x.Grad = null;
        y.Backward(Tensor.OnesLike(y));
        float[] grad = x.Grad!.ToArray(), outputs = y.ToArray();
        for (int i = 0; i < grad.Length; i++)
            Assert.Equal(outputs[i] == 0f ? 0f : 1f / 0.6f, grad[i], 5);
    }
}
