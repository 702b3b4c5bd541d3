using Nabla.Models;
using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Tests.Models;

/// <summary>The cache's one-token decoding step (KvCacheStep.cs): the whole forward's logits, the same greedy
/// tokens as generation without the cache, and no allocation per token.</summary>
public class KvCacheStepTests
{
    // Widths that are not multiples of a vector (20, head size 5) reach every tail of the step's kernels.
    public static TheoryData<GptConfig> Configs() =>
    [
        new GptConfig(BlockSize: 12, VocabSize: 37, NLayer: 2, NHead: 4, NEmbd: 20, Bias: true, Gelu: GeluApproximation.Tanh),
        new GptConfig(BlockSize: 12, VocabSize: 37, NLayer: 2, NHead: 4, NEmbd: 20, Bias: false, Gelu: GeluApproximation.None),
        new GptConfig(BlockSize: 10, VocabSize: 70, NLayer: 1, NHead: 2, NEmbd: 64, Bias: true, Gelu: GeluApproximation.Tanh),
    ];

    [Theory]
    [MemberData(nameof(Configs))]
    public void EachStepGivesTheLastPositionOfTheWholeForward(GptConfig config)
    {
        var model = new Gpt(config, new Generator(11));
        model.Eval();
        var random = new Random(3);
        int[] tokens = Enumerable.Range(0, config.BlockSize).Select(_ => random.Next(config.VocabSize)).ToArray();
        var cache = new KvCache(model);
        for (int n = 1; n <= tokens.Length; n++)
        {
            float[] logits = cache.AppendOne(tokens[n - 1]).ToArray();
            float[] expected;
            using (Tensor.NoGrad()) expected = model.LastLogits(Tensor.FromArray(tokens[..n], 1, n)).ToArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - logits[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"length {n}, logit {i}: {logits[i]} vs {expected[i]}");
        }
        Assert.Equal(config.BlockSize, cache.Length);
        Assert.Contains("exceed the block size", Assert.Throws<ArgumentException>(() => cache.AppendOne(1)).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => new KvCache(model).AppendOne(config.VocabSize)).Message);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void GreedyTokensAreTheSameWithAndWithoutTheCache(GptConfig config)
    {
        var model = new Gpt(config, new Generator(5));
        int[] prompt = [1, 4];
        foreach (int? slideBy in new int?[] { null, 1 })
        {
            var greedy = new SamplingOptions(Temperature: 0f, SlideBy: slideBy);
            int[] cached = model.Generate(prompt, 3 * config.BlockSize, new Generator(1), greedy);
            int[] uncached = model.Generate(prompt, 3 * config.BlockSize, new Generator(1), greedy with { UseCache = false });
            Assert.Equal(uncached, cached);
        }
    }

    [Fact]
    public void AStepAllocatesNothing()
    {
        var model = new Gpt(new GptConfig(BlockSize: 16, VocabSize: 50, NLayer: 2, NHead: 2, NEmbd: 32, Bias: true, Gelu: GeluApproximation.Tanh), new Generator(2));
        model.Eval();
        var cache = new KvCache(model);
        cache.AppendOne(3);   // makes the step's buffers
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int token = 0; token < 10; token++) cache.AppendOne(token);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
