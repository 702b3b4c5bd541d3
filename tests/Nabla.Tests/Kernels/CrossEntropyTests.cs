using Nabla.Kernels;
using static Nabla.Tests.Kernels.FusedKernelOracle;
using static TorchSharp.torch;

namespace Nabla.Tests.Kernels;

public class CrossEntropyTests
{
    private const int Ignore = -100;

    private static int[] Targets(int rows, int cols, int seed, double ignoredFraction)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows)
            .Select(_ => random.NextDouble() < ignoredFraction ? Ignore : random.Next(cols)).ToArray();
    }

    [Theory]
    [InlineData(1, 1, 0.0)]
    [InlineData(4, 7, 0.25)]
    [InlineData(19, 65, 0.3)]
    [InlineData(768, 128, 0.1)]
    [InlineData(40, 515, 0.0)]
    public void LossProbabilitiesAndGradientMatchLibtorch(int rows, int cols, double ignoredFraction)
    {
        float[] logits = Normal(rows * cols, seed: rows + cols, scale: 2.5f);
        int[] targets = Targets(rows, cols, seed: rows * cols, ignoredFraction);
        if (targets.All(t => t == Ignore)) targets[0] = 0;
        float[] prior = Normal(rows * cols, seed: 5);
        const float gradLoss = 0.7f;

        var probs = new float[logits.Length];
        float loss = CrossEntropyKernel.Forward(logits, targets, probs, rows, cols, Ignore);
        float[] dlogits = (float[])prior.Clone();
        CrossEntropyKernel.Backward(probs, targets, gradLoss, dlogits, rows, cols, Ignore);

        using var scope = NewDisposeScope();
        var tx = TorchLeaf(logits, rows, cols);
        var tt = tensor(targets.Select(t => (long)t).ToArray(), [rows]);
        var tl = nn.functional.cross_entropy(tx, tt, ignore_index: Ignore);
        tl.backward([tensor(gradLoss)]);
        float expected = tl.item<float>();
        Assert.True(MathF.Abs(expected - loss) <= 1e-6f + 1e-6f * MathF.Abs(expected), $"loss: expected {expected}, got {loss}");
        Close(Values(softmax(tx, 1)), probs, 1e-7f, 2e-6f, "probabilities");
        Close(Plus(prior, Values(tx.grad!)), dlogits, 1e-6f, 1e-5f, "dlogits (added to prior)");
    }

    [Fact]
    public void LargeLogitsGiveTheExactLoss()
    {
        const int rows = 5, cols = 33;
        float[] logits = Normal(rows * cols, seed: 21, scale: 500f, offset: 3e4f);
        int[] targets = [0, 5, 32, 17, 9];
        var probs = new float[logits.Length];
        float loss = CrossEntropyKernel.Forward(logits, targets, probs, rows, cols, Ignore);

        using var scope = NewDisposeScope();
        float expected = nn.functional.cross_entropy(Torch(logits, rows, cols), tensor(targets.Select(t => (long)t).ToArray())).item<float>();
        Assert.True(float.IsFinite(loss));
        Assert.True(MathF.Abs(expected - loss) <= 1e-3f + 1e-6f * MathF.Abs(expected), $"loss: expected {expected}, got {loss}");
    }

    [Fact]
    public void AllRowsIgnoredGivesNaNLossAndNoGradient()
    {
        const int rows = 3, cols = 10;
        float[] logits = Normal(rows * cols, seed: 1);
        int[] targets = [Ignore, Ignore, Ignore];
        var probs = new float[logits.Length];
        float loss = CrossEntropyKernel.Forward(logits, targets, probs, rows, cols, Ignore);

        using var scope = NewDisposeScope();
        float expected = nn.functional.cross_entropy(Torch(logits, rows, cols), tensor(new long[] { Ignore, Ignore, Ignore }),
            ignore_index: Ignore).item<float>();
        Assert.True(float.IsNaN(expected), "libtorch's mean over no rows is NaN");
        Assert.True(float.IsNaN(loss));

        float[] dlogits = Normal(rows * cols, seed: 2);
        float[] before = (float[])dlogits.Clone();
        CrossEntropyKernel.Backward(probs, targets, 1f, dlogits, rows, cols, Ignore);
        Assert.Equal(before, dlogits);
    }

    [Fact]
    public void IgnoreIndexCanBeAValidClass()
    {
        // PyTorch allows ignore_index inside [0, cols): those rows are skipped like any other ignored row.
        const int rows = 4, cols = 6;
        float[] logits = Normal(rows * cols, seed: 4);
        int[] targets = [2, 0, 5, 0];
        var probs = new float[logits.Length];
        float loss = CrossEntropyKernel.Forward(logits, targets, probs, rows, cols, ignoreIndex: 0);
        using var scope = NewDisposeScope();
        float expected = nn.functional.cross_entropy(Torch(logits, rows, cols), tensor(new long[] { 2, 0, 5, 0 }), ignore_index: 0)
            .item<float>();
        Assert.True(MathF.Abs(expected - loss) <= 1e-6f, $"expected {expected}, got {loss}");
    }

    [Fact]
    public void OutOfRangeTargetNamesTheIndexAndTheBound()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            CrossEntropyKernel.Forward(new float[8], [1, 4], new float[8], 2, 4, Ignore));
        Assert.Contains("target 4 at row 1", ex.Message);
        Assert.Contains("[0, 4)", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CrossEntropyKernel.Backward(new float[8], [-1, 0], 1f, new float[8], 2, 4, Ignore));
    }

    [Fact]
    public void MeanDoesNotDependOnTheThreadSplit()
    {
        // The per-row losses are summed in row order after the parallel pass: compare with one row at a time.
        const int rows = 1000, cols = 100;
        float[] logits = Normal(rows * cols, seed: 6, scale: 2f);
        int[] targets = Targets(rows, cols, seed: 6, ignoredFraction: 0.1);
        var probs = new float[logits.Length];
        float loss = CrossEntropyKernel.Forward(logits, targets, probs, rows, cols, Ignore);
        double total = 0;
        int counted = 0;
        var rowProbs = new float[cols];
        for (int r = 0; r < rows; r++)
        {
            float rowLoss = CrossEntropyKernel.Forward(logits.AsSpan(r * cols, cols), targets.AsSpan(r, 1), rowProbs, 1, cols, Ignore);
            if (targets[r] == Ignore) continue;
            total += rowLoss;
            counted++;
        }
        Assert.Equal((float)(total / counted), loss);
    }
}
