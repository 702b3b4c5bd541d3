using Nabla.Data;
using Nabla.Models;
using Nabla.Tensors;
using Nabla.Tests.Support;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.Models;

public class BigramTests
{
    // ". a b .", ". a b b .", ". b ." over the vocabulary ".ab": bigrams .a ab b. | .a ab bb b. | .b b.
    private static readonly Words Tiny = new(["ab", "abb", "b"]);

    private static int Token(char c) => Tiny.Encode(c);

    [Fact]
    public void CountsAreTheBigramsOfEveryItemWithItsStartAndStopToken()
    {
        var (x, y) = Tiny.Contexts(Tiny.Items, 1);
        var model = new BigramCounts(Tiny.VocabularySize, smoothing: 0f);
        model.Fit(x, y);
        float[,] expected =
        {
            //  .   a   b        (next)
            { 0, 2, 1 },   // after .
            { 0, 0, 2 },   // after a
            { 3, 0, 1 },   // after b
        };
        Assert.Equal(Tensor.FromArray(expected).ToArray(), model.Counts.ToArray());

        // Rows of P sum to one; smoothing 1 adds one to every count before normalizing.
        Assert.Equal([0f, 2f / 3, 1f / 3], model.Probabilities()[0].ToArray());
        var smoothed = new BigramCounts(Tiny.VocabularySize, smoothing: 1f);
        smoothed.Fit(x, y);
        Assert.Equal([4f / 7, 1f / 7, 2f / 7], smoothed.Probabilities()[2].ToArray());

        // Fitting again replaces the counts.
        smoothed.Fit(x.Slice(0, 0, 1), y.Slice(0, 0, 1));
        Assert.Equal(1f, smoothed.Counts.ToArray().Sum());
    }

    [Fact]
    public void LogitsAreLogProbabilitiesAndTheNllIsTheirCrossEntropy()
    {
        var (x, y) = Tiny.Contexts(Tiny.Items, 1);
        var model = new BigramCounts(Tiny.VocabularySize);
        model.Fit(x, y);
        Tensor logits = model.Forward(x);
        Assert.Equal([9, 3], logits.Shape.ToArray());
        // log P[b] = log(4/7, 1/7, 2/7) for each example whose context is b.
        Assert.Equal(MathF.Log(4f / 7), logits.Get(2, 0), 6);
        double nll = model.ExactNegativeLogLikelihood(x, y);
        // By hand, the nine bigrams with +1 smoothing: rows . (1,3,2)/6, a (1,1,3)/5, b (4,1,2)/7;
        // .a twice, .b once, ab twice, b. three times, bb once.
        double expected = -(2 * Math.Log(3.0 / 6) + Math.Log(2.0 / 6) + 2 * Math.Log(3.0 / 5) + 3 * Math.Log(4.0 / 7)
                            + Math.Log(2.0 / 7)) / 9;
        Assert.Equal(expected, nll, 12);
        Assert.Equal(nll, logits.CrossEntropy(y).Item(), 5);
    }

    [Fact]
    public void TheCountingModelHasABufferAndNoParameters()
    {
        CharModel model = MakemoreModels.Create("bigram", new MakemoreConfig { VocabularySize = 27, BlockSize = 3 }, new Generator(1));
        Assert.IsType<BigramCounts>(model);
        Assert.IsAssignableFrom<ICountingModel>(model);
        Assert.Equal(1, model.BlockSize);
        Assert.Empty(model.Parameters());
        Assert.Equal(["counts"], model.StateDict().Keys);

        CharModel neural = MakemoreModels.Create("neural-bigram", new MakemoreConfig { VocabularySize = 27, BlockSize = 3 }, new Generator(1));
        Assert.IsType<NeuralBigram>(neural);
        Assert.False(neural is ICountingModel);
        Assert.Equal(1, neural.BlockSize);
        Assert.Equal(["weight"], neural.StateDict().Keys);
        Assert.Equal(27 * 27, neural.ParameterCount());
    }

    [Fact]
    public void BadExamplesAreNamed()
    {
        var model = new BigramCounts(3);
        var error = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.ZerosInt(4, 2), Tensor.ZerosInt(4)));
        Assert.Contains("BigramCounts.Fit: expects int32 contexts [N, 1] and targets [N], got Int32 [4,2]", error.Message);
        var outside = Assert.Throws<IndexOutOfRangeException>(() => model.Fit(Tensor.FromArray([0, 1], 2, 1), Tensor.FromArray([2, 3])));
        Assert.Contains("example 1 (1 → 3)", outside.Message);
        Assert.Throws<ArgumentException>(() => new BigramCounts(3, smoothing: -1f));
        Assert.Contains("NeuralBigram: input must be [B, 1]", Assert.Throws<ArgumentException>(() => new NeuralBigram(3, new Generator(1)).Forward(Tensor.ZerosInt(2))).Message);
    }

    [Fact]
    public void SamplesFromUnsmoothedCountsUseOnlyBigramsThatOccurred()
    {
        var (x, y) = Tiny.Contexts(Tiny.Items, 1);
        var model = new BigramCounts(Tiny.VocabularySize, smoothing: 0f);
        model.Fit(x, y);
        List<int[]> samples = model.Sample(200, 20, new Generator(7));
        float[] counts = model.Counts.ToArray();
        int v = Tiny.VocabularySize;
        foreach (int[] sample in samples)
        {
            int[] tokens = [0, .. sample, .. sample.Length < 20 ? new[] { 0 } : []];
            for (int i = 0; i + 1 < tokens.Length; i++)
                Assert.True(counts[tokens[i] * v + tokens[i + 1]] > 0, $"sample '{Tiny.Decode(sample)}' uses an unseen bigram");
        }
        // "a" is always followed by "b", so every sample that has an a has "ab"; both kinds of start occur.
        Assert.Contains(samples, s => s[0] == Token('a'));
        Assert.Contains(samples, s => s[0] == Token('b'));
        Assert.Equal(samples.Select(Tiny.Decode), model.Sample(200, 20, new Generator(7)).Select(Tiny.Decode));
    }

    [SkippableFact]
    public void TheCountingBigramGivesTheLecturesNllOnNames()
    {
        Words words = Words.Load(TestData.Require("names.txt"));
        var (x, y) = words.Contexts(words.Items, 1);
        Assert.Equal(228_146, y.Count);
        var smoothed = new BigramCounts(words.VocabularySize, smoothing: 1f);
        smoothed.Fit(x, y);
        float[] n = smoothed.Counts.ToArray();
        int At(string bigram) => Index(words, bigram);
        Assert.Equal(228_146f, n.Sum());
        Assert.Equal(6763f, n[At("n.")]);     // the most common bigram
        Assert.Equal(4410f, n[At(".a")]);
        Assert.Equal(0f, n[At("qy")]);
        Assert.Equal(2.4546, Math.Round(smoothed.ExactNegativeLogLikelihood(x, y), 4));
        // The float32 path the trainer evaluates with: cross-entropy of the logits log P.
        Assert.Equal(2.4546, smoothed.Forward(x).CrossEntropy(y).Item(), 3);

        var unsmoothed = new BigramCounts(words.VocabularySize, smoothing: 0f);
        unsmoothed.Fit(x, y);
        Assert.Equal(2.4540, Math.Round(unsmoothed.ExactNegativeLogLikelihood(x, y), 4));
        // Without smoothing a name with an unseen bigram is impossible: "andrejq" ends in "jq".
        var (qx, qy) = words.Contexts(["andrejq"], 1);
        Assert.Equal(double.PositiveInfinity, unsmoothed.ExactNegativeLogLikelihood(qx, qy));
        Assert.True(double.IsFinite(smoothed.ExactNegativeLogLikelihood(qx, qy)));
    }

    private static int Index(Words words, string bigram) =>
        (bigram[0] == '.' ? 0 : words.Encode(bigram[0])) * words.VocabularySize + (bigram[1] == '.' ? 0 : words.Encode(bigram[1]));

    [Fact]
    public void NeuralBigramLogitsAreOneHotTimesW()
    {
        var model = new NeuralBigram(5, new Generator(3));
        Tensor x = Tensor.FromArray([0, 4, 2, 2, 1], 5, 1);
        Tensor viaOneHot = Tensor.OneHot(x.Reshape(5), 5).MatMul(model.Weight);
        Assert.Equal(viaOneHot.ToArray(), model.Forward(x).ToArray());
    }

    [Fact]
    public void NeuralBigramLossMatchesLibtorch()
    {
        var model = new NeuralBigram(6, new Generator(5));
        Tensor x = Tensor.FromArray([0, 3, 5, 3, 1, 0, 2], 7, 1);
        Tensor y = Tensor.FromArray([3, 5, 0, 1, 1, 2, 4]);
        TorchParity.Check(
            _ => model.Loss(x, y),
            t => torch.nn.functional.cross_entropy(t[0][t[1].squeeze(1)], t[2]) + 0.01f * t[0].pow(2).mean(),
            model.Weight, x, y);
    }

    [SkippableFact]
    public void NeuralBigramTrainedByGradientDescentReachesTheCountingLoss()
    {
        Words words = Words.Load(TestData.Require("names.txt"));
        var (x, y) = words.Contexts(words.Items, 1);
        var model = new NeuralBigram(words.VocabularySize, new Generator(2147483647));
        List<float> losses = model.GradientDescent(x, y, steps: 120);
        Assert.True(losses[0] > 3.5f, $"a random W starts far from the counts: loss {losses[0]}");
        float final;
        using (Tensor.NoGrad()) final = model.Loss(x, y).Item();
        Assert.True(final <= 2.49f, $"after 120 steps of full-batch gradient descent at lr 50 the loss is {final}, above 2.49");
        // It cannot beat the maximum-likelihood counts (2.4540) on the data it was fitted to; 100 steps leave it
        // above the bound (2.4913 from this seed), 120 reach 2.4882.
        using (Tensor.NoGrad()) Assert.True(model.Forward(x).CrossEntropy(y).Item() > 2.4540f);
    }
}
