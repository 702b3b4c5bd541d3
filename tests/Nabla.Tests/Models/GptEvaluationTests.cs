using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Tests.Models;

/// <summary>The loss over a whole split: every token but the first predicted once, windows of the block size.</summary>
public class GptEvaluationTests
{
    private static readonly GptConfig Small = new(BlockSize: 8, VocabSize: 13, NLayer: 2, NHead: 2, NEmbd: 16, Dropout: 0.3f);

    private static ushort[] Tokens(int count, ulong seed)
    {
        var g = new Generator(seed);
        return Enumerable.Range(0, count).Select(_ => (ushort)g.NextInt(0, Small.VocabSize)).ToArray();
    }

    /// <summary>The model's own loss on one window, in evaluation mode, weighted by its predictions.</summary>
    private static double WindowSum(Gpt model, ushort[] tokens, int start, int length)
    {
        int[] x = tokens.Skip(start).Take(length).Select(t => (int)t).ToArray();
        int[] y = tokens.Skip(start + 1).Take(length).Select(t => (int)t).ToArray();
        using (Tensor.NoGrad())
            return model.Loss(Tensor.FromArray(x, 1, length), Tensor.FromArray(y, 1, length)).Item() * (double)length;
    }

    [Theory]
    [InlineData(8 * 5 + 1, 8)]   // whole windows only
    [InlineData(8 * 5 + 4, 8)]   // and a last, shorter one of 3
    [InlineData(2, 8)]           // one prediction
    [InlineData(30, 5)]          // windows shorter than the block
    public void IsTheMeanOverConsecutiveWindowsOfEveryPrediction(int count, int blockSize)
    {
        var model = new Gpt(Small, new Generator(3));
        ushort[] tokens = Tokens(count, 11);
        model.Eval();
        double sum = 0;
        for (int start = 0; start < count - 1; start += blockSize)
            sum += WindowSum(model, tokens, start, Math.Min(blockSize, count - 1 - start));
        model.Train();

        double loss = GptEvaluation.SplitLoss(model, tokens, blockSize, batchSize: 3);
        Assert.Equal(sum / (count - 1), loss, 5);
        Assert.True(model.IsTraining);   // its mode is given back
        // Dropout is off while it scores, so the result does not depend on how the windows are batched.
        Assert.Equal(loss, GptEvaluation.SplitLoss(model, tokens, blockSize, batchSize: 1), 5);
        Assert.Equal(loss, GptEvaluation.SplitLoss(model, tokens, blockSize, batchSize: 64), 5);
    }

    [Fact]
    public void ATrainedModelScoresBetterThanUniform()
    {
        // The text repeats one pattern; after a few steps the model predicts it far better than ln 13.
        ushort[] tokens = Enumerable.Range(0, 400).Select(i => (ushort)(i % 5 * 2)).ToArray();
        var model = new Gpt(Small with { Dropout = 0f }, new Generator(1));
        double before = GptEvaluation.SplitLoss(model, tokens);
        var optimizer = new Nabla.Optim.AdamW(model.Parameters(), 1e-2f);
        var g = new Generator(2);
        for (int step = 0; step < 40; step++)
        {
            using var scope = new TensorScope();
            var (x, y) = GptData.Batch(tokens, 8, 8, g);
            model.Loss(x, y).Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        double after = GptEvaluation.SplitLoss(model, tokens);
        Assert.InRange(before, Math.Log(13) - 0.2, Math.Log(13) + 0.2);
        Assert.True(after < 0.5, $"loss {after} after 40 steps on a period-5 pattern (before: {before})");
    }

    [Fact]
    public void BadInputsNameWhatIsWrong()
    {
        var model = new Gpt(Small);
        Assert.Contains("token 13 is outside the model's vocabulary of 13", Assert.Throws<ArgumentException>(() => GptEvaluation.SplitLoss(model, new ushort[] { 1, 13, 2 })).Message);
        Assert.Contains("1 tokens leave nothing to predict", Assert.Throws<ArgumentException>(() => GptEvaluation.SplitLoss(model, new ushort[] { 1 })).Message);
        Assert.Contains("block size 9 must be in [1, 8]", Assert.Throws<ArgumentException>(() => GptEvaluation.SplitLoss(model, new ushort[] { 1, 2 }, blockSize: 9)).Message);
        Assert.Contains("batch size must be ≥ 1, got 0", Assert.Throws<ArgumentException>(() => GptEvaluation.SplitLoss(model, new ushort[] { 1, 2 }, batchSize: 0)).Message);
    }
}
