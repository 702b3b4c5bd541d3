using Nabla.Tensors;

namespace Nabla.Tests.Tensors;

public class ViewTests
{
    private static Tensor Grid() => Tensor.Arange(12).Reshape(3, 4); // [[0..3],[4..7],[8..11]]

    /// <summary>
    /// x·Wᵀ gives W.T its gradient in W's own layout (a transposed view of a [n, k] buffer) so that it reaches W
    /// in memory order: the gradients equal those of the same product through a contiguous copy of Wᵀ, whether
    /// W.T is used once, twice (the second use adds into the first's gradient), or also elsewhere.
    /// </summary>
    [Fact]
    public void AProductWithATransposedWeightGivesTheWeightItsGradientInItsOwnLayout()
    {
        var g = new Generator(17);
        Tensor x = Tensor.Randn([5, 7], g), x2 = Tensor.Randn([3, 7], g), seed = Tensor.Randn([5, 11], g), seed2 = Tensor.Randn([3, 11], g);
        Tensor w = Tensor.Randn([11, 7], g).RequireGrad(), reference = Tensor.Zeros(11, 7).CopyFrom(w).RequireGrad();

        Tensor left = Tensor.Randn([11, 4], g);
        Func<Tensor, Tensor>[] graphs =
        [
            wt => (x.MatMul(wt) * seed).Sum(),                                                       // once
            wt => (x.MatMul(wt) * seed).Sum() + (x2.MatMul(wt) * seed2).Sum(),                       // twice: the second adds
            wt => (x.MatMul(wt) * seed).Sum() + (wt * wt).Sum(),                                     // and elementwise
            wt => (x.MatMul(wt) * seed).Sum() + wt.MatMul(left).Sum() + (x2.MatMul(wt) * seed2).Sum(), // and as a left operand
            wt => (x.MatMul(wt) * seed).Gelu().Sum() + wt.Gelu().Sum(),                              // and through a fused kernel
        ];
        foreach (var graph in graphs)
        {
            w.Grad = null;
            reference.Grad = null;
            graph(w.T).Backward();
            graph(reference.T.Contiguous()).Backward();
            float[] expected = reference.Grad!.ToArray(), actual = w.Grad!.ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4f);
        }
    }

    [Fact]
    public void ReshapeSharesStorageAndInfersOneSize()
    {
        Tensor x = Tensor.Arange(12);
        Tensor y = x.Reshape(3, -1);
        Assert.Equal([3, 4], y.Shape.ToArray());
        x.Set(100f, 5);
        Assert.Equal(100f, y.Get(1, 1));
        var error = Assert.Throws<ArgumentException>(() => x.Reshape(5, -1));
        Assert.Contains("[12]", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AReshapesGradientIsHandedOnOrAddedToOtherUses(bool alsoUsedDirectly)
    {
        // h = 2x is used through a reshape (whose rule hands its gradient buffer on when it comes first)
        // and, in one case, also directly (then the two uses' gradients must add).
        Tensor x = Tensor.Arange(6).RequireGrad();
        Tensor h = x * 2f;
        Tensor y = (h.Reshape(2, 3) * Tensor.FromArray([1f, 2f, 3f], 3)).Sum();
        if (alsoUsedDirectly) y = y + (h * h).Sum();
        y.Backward();
        float[] expected = Enumerable.Range(0, 6).Select(i => 2f * (i % 3 + 1) + (alsoUsedDirectly ? 2f * 2f * (2f * i) : 0f)).ToArray();
        Assert.Equal(expected, x.Grad!.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnAddsSecondInputTakesItsGradientOrAddsToItsOtherUses(bool branchUsedTwice)
    {
        // z = x + branch, as a residual add: the branch's gradient is z's own buffer, handed on when
        // nothing else has reached it; x + x and a branch used again must still add.
        Tensor x = Tensor.Arange(4).RequireGrad();
        Tensor branch = x * 3f;
        Tensor z = x + branch;
        Tensor loss = (z * z).Sum() + (x + x).Sum();
        if (branchUsedTwice) loss = loss + (branch * 5f).Sum();
        loss.Backward();
        // d/dx: 2z · (1 + 3) + 2, z = 4x; and 5 · 3 for the second use of the branch.
        float[] expected = Enumerable.Range(0, 4).Select(i => 2f * 4f * i * 4f + 2f + (branchUsedTwice ? 15f : 0f)).ToArray();
        Assert.Equal(expected, x.Grad!.ToArray());
    }

    [Fact]
    public void TransposeIsAViewAndContiguousCopiesOnlyWhenNeeded()
    {
        Tensor x = Grid();
        Tensor t = x.Transpose(0, 1);
        Assert.Equal([4, 3], t.Shape.ToArray());
        Assert.False(t.IsContiguous);
        Assert.Equal(9f, t.Get(1, 2));
        Assert.Same(x, x.Contiguous());
        Tensor c = t.Contiguous();
        Assert.True(c.IsContiguous);
        Assert.Equal([0f, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], c.ToArray());
        Assert.Throws<InvalidOperationException>(() => t.View(12));
        Assert.Equal(c.ToArray(), t.Reshape(12).ToArray());
    }

    [Fact]
    public void CloneCopiesStorageKeepsTheGraphAndOutlivesAScope()
    {
        Tensor x = Grid().RequireGrad();
        Tensor clone = x.Transpose(0, 1).Clone();
        Assert.True(clone.IsContiguous);
        x.Set(100f, 0, 1);
        Assert.Equal(1f, clone.Get(1, 0)); // its own storage: writing x does not reach the copy
        (clone * 3f).Sum().Backward();
        Assert.Equal(Enumerable.Repeat(3f, 12), x.Grad!.ToArray()); // as torch.clone(), the gradient flows back
        Assert.False(x.Detach().Clone().RequiresGrad);

        Tensor kept;
        using (new TensorScope()) kept = (x * 2f).Clone();
        Assert.Equal(200f, kept.Get(0, 1)); // a clone's storage is never a scope's pooled buffer
    }

    [Fact]
    public void PermuteReordersDimensions()
    {
        Tensor x = Tensor.Arange(24).Reshape(2, 3, 4);
        Tensor p = x.Permute(2, 0, 1);
        Assert.Equal([4, 2, 3], p.Shape.ToArray());
        Assert.Equal(x.Get(1, 2, 3), p.Get(3, 1, 2));
        Assert.Throws<ArgumentException>(() => x.Permute(0, 0, 1));
    }

    [Fact]
    public void SliceWithStartStopStepLikePython()
    {
        Tensor x = Tensor.Arange(10);
        Assert.Equal([2f, 4, 6], x.Slice(0, 2, 8, 2).ToArray());
        Assert.Equal([7f, 8, 9], x.Slice(0, -3).ToArray());
        Assert.Equal([0f, 3, 6, 9], x.Slice(0, step: 3).ToArray());
        Assert.Empty(x.Slice(0, 5, 2).ToArray());
        Assert.Equal([1f, 2], x[1..3].ToArray());
        Tensor g = Grid();
        Assert.Equal([1f, 3, 9, 11], g.Slice(0, step: 2).Slice(1, 1, null, 2).ToArray());
        Assert.Equal([5f, 6], g[1..2, 1..3].ToArray());
    }

    [Fact]
    public void SelectRemovesADimensionAndChecksItsIndex()
    {
        Tensor g = Grid();
        Assert.Equal([4f, 5, 6, 7], g[1].ToArray());
        Assert.Equal([8f, 9, 10, 11], g[^1].ToArray());
        Assert.Equal([8f, 9, 10, 11], g[-1].ToArray());
        Assert.Equal([2f, 6, 10], g.Select(1, 2).ToArray());
        Assert.Equal([3f, 7, 11], g.Select(1, -1).ToArray());
        var error = Assert.Throws<IndexOutOfRangeException>(() => g.Select(0, 3));
        Assert.Contains("index 3", error.Message);
        Assert.Contains("size 3", error.Message);
    }

    [Fact]
    public void UnsqueezeSqueezeAndExpand()
    {
        Tensor v = Tensor.Arange(3);
        Assert.Equal([1, 3], v.Unsqueeze(0).Shape.ToArray());
        Assert.Equal([3, 1], v.Unsqueeze(-1).Shape.ToArray());
        Assert.Equal([3], v.Unsqueeze(0).Unsqueeze(2).Squeeze().Shape.ToArray());
        Assert.Equal([3, 1], v.Unsqueeze(1).Squeeze(0).Shape.ToArray());
        Tensor e = v.Unsqueeze(1).Expand(3, 4);
        Assert.Equal([0f, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], e.ToArray());
        Assert.Equal(0, e.Strides[1]);
        Assert.Throws<ArgumentException>(() => v.Expand(2, 4));
    }

    [Fact]
    public void IntTensorsHaveViewsToo()
    {
        Tensor ids = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal([1, 4, 2, 5, 3, 6], ids.Transpose(0, 1).Contiguous().ToIntArray());
        Assert.Equal(6, ids.Select(1, 2).GetInt(1));
    }

    [Fact]
    public void GradientsFlowBackThroughViews()
    {
        Tensor x = Tensor.Arange(12).Reshape(3, 4).Detach().RequireGrad();
        // y touches some elements once, one twice (through two views), and skips others.
        Tensor y = x.Transpose(0, 1).Slice(0, 1, 4, 2).Sum() + x.Select(0, 2).Slice(0, 3, 4).Sum() * 2f + x.Expand(2, 3, 4).Sum();
        y.Backward();
        float[] expected = new float[12];
        for (int i = 0; i < 12; i++) expected[i] = 2; // from Expand (2 copies)
        foreach (int r in new[] { 0, 1, 2 }) { expected[r * 4 + 1] += 1; expected[r * 4 + 3] += 1; }
        expected[2 * 4 + 3] += 2;
        Assert.Equal(expected, x.Grad!.ToArray());
    }
}
