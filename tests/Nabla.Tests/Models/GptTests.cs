using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Tests.Models;

/// <summary>The model's names, initialization and checks, and generation with and without the cache of keys and values.</summary>
public class GptTests
{
    private static readonly GptConfig Small = new(BlockSize: 8, VocabSize: 13, NLayer: 2, NHead: 2, NEmbd: 16);

    [Fact]
    public void ParameterNamesAreHuggingFaceGpt2sAndTheHeadIsTheTokenEmbedding()
    {
        var model = new Gpt(Small with { NLayer = 1 });
        Assert.Equal([
            "transformer.wte.weight", "transformer.wpe.weight",
            "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias",
            "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias",
            "transformer.h.0.attn.c_proj.weight", "transformer.h.0.attn.c_proj.bias",
            "transformer.h.0.ln_2.weight", "transformer.h.0.ln_2.bias",
            "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_fc.bias",
            "transformer.h.0.mlp.c_proj.weight", "transformer.h.0.mlp.c_proj.bias",
            "transformer.ln_f.weight", "transformer.ln_f.bias"], model.NamedParameters().Select(p => p.Name));
        Assert.Same(model.StateDict()["transformer.wte.weight"], model.LmHeadWeight);
        Assert.Equal([48, 16], model.StateDict()["transformer.h.0.attn.c_attn.weight"].Shape.ToArray());   // Linear [out, in]
        Assert.Equal(["transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.ln_1.weight"],
            new Gpt(Small with { NLayer = 1, Bias = false }).StateDict().Keys.Take(3));
        Assert.DoesNotContain(new Gpt(Small with { Bias = false }).NamedParameters(), p => p.Name.EndsWith(".bias"));
    }

    [Fact]
    public void InitializationIsNanoGpts()
    {
        var config = new GptConfig(BlockSize: 64, VocabSize: 100, NLayer: 4, NHead: 4, NEmbd: 128);
        var model = new Gpt(config, new Generator(5));
        double Std(string name) { float[] v = model.StateDict()[name].ToArray(); return Math.Sqrt(v.Select(x => (double)x * x).Average()); }
        Assert.InRange(Std("transformer.wte.weight"), 0.019, 0.021);
        Assert.InRange(Std("transformer.h.1.mlp.c_fc.weight"), 0.019, 0.021);
        double residual = 0.02 / Math.Sqrt(2 * 4);
        Assert.InRange(Std("transformer.h.1.attn.c_proj.weight"), residual * 0.95, residual * 1.05);
        Assert.InRange(Std("transformer.h.3.mlp.c_proj.weight"), residual * 0.95, residual * 1.05);
        Assert.All(model.StateDict()["transformer.h.0.attn.c_attn.bias"].ToArray(), v => Assert.Equal(0f, v));
        Assert.All(model.StateDict()["transformer.ln_f.weight"].ToArray(), v => Assert.Equal(1f, v));
        // Same seed, same model.
        Assert.Equal(model.StateDict()["transformer.wpe.weight"].ToArray(), new Gpt(config, new Generator(5)).StateDict()["transformer.wpe.weight"].ToArray());
    }

    [Fact]
    public void BadInputsNameWhatIsWrong()
    {
        var model = new Gpt(Small);
        Assert.Contains("length 9 does not fit the block size 8", Assert.Throws<ArgumentException>(() => model.Forward(Tensor.ZerosInt(1, 9))).Message);
        Assert.Contains("targets [2,3] must have the shape of idx [1,3]", Assert.Throws<ArgumentException>(() => model.Forward(Tensor.ZerosInt(1, 3), Tensor.ZerosInt(2, 3))).Message);
        Assert.Contains("idx must be int32 (B, T)", Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(1, 3))).Message);
        Assert.Contains("n_embd 10 must be a multiple of n_head 4", Assert.Throws<ArgumentException>(() => new Gpt(Small with { NEmbd = 10, NHead = 4 })).Message);
        Assert.Contains("prompt token 13 is outside", Assert.Throws<ArgumentException>(() => model.Generate([13], 3, new Generator(1))).Message);
        Assert.Contains("top-k must be in [1, 13]", Assert.Throws<ArgumentException>(() => model.Generate([1], 3, new Generator(1), new SamplingOptions(TopK: 14))).Message);
    }

    [Fact]
    public void TheCacheGivesTheLogitsOfTheWholeForward()
    {
        var model = new Gpt(Small, new Generator(6));
        model.Eval();
        int[] tokens = [3, 1, 4, 1, 5, 9, 2, 6];
        var cache = new KvCache(model);
        // A prompt of three in one call, then one token per call: each equals the full forward's last position.
        float[] logits = cache.Append(tokens.AsSpan(0, 3));
        for (int n = 3; ; n++)
        {
            float[] expected;
            using (Tensor.NoGrad()) expected = model.LastLogits(Tensor.FromArray(tokens.AsSpan(0, n).ToArray(), 1, n)).ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - logits[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"length {n}, logit {i}: {logits[i]} vs {expected[i]}");
            if (n == tokens.Length) break;
            logits = cache.Append(tokens.AsSpan(n, 1));
        }
        Assert.Equal(8, cache.Length);
        Assert.Contains("exceed the block size 8", Assert.Throws<ArgumentException>(() => cache.Append([1])).Message);
    }

    [Theory]
    [InlineData(5, null)]     // inside the block
    [InlineData(30, 1)]       // past it, sliding by one: nanoGPT's crop exactly
    public void GreedyTokensAreTheSameWithAndWithoutTheCache(int newTokens, int? slideBy)
    {
        var model = new Gpt(Small with { Dropout = 0.1f }, new Generator(7));
        int[] prompt = [2, 7, 1];
        var greedy = new SamplingOptions(Temperature: 0f, SlideBy: slideBy);
        int[] cached = model.Generate(prompt, newTokens, new Generator(1), greedy);
        int[] uncached = model.Generate(prompt, newTokens, new Generator(1), greedy with { UseCache = false });
        Assert.Equal(newTokens, cached.Length);
        Assert.Equal(uncached, cached);
        Assert.True(model.IsTraining);   // the mode is restored
    }

    [Fact]
    public void APastTheBlockSlideKeepsGenerating()
    {
        var model = new Gpt(Small, new Generator(8));
        var streamed = new List<int>();
        int[] tokens = model.Generate([0], 40, new Generator(2), new SamplingOptions(SlideBy: 3), streamed.Add);
        Assert.Equal(40, tokens.Length);
        Assert.Equal(tokens, streamed);
        Assert.All(tokens, t => Assert.InRange(t, 0, 12));
    }

    [Fact]
    public void SamplingIsSeededAndHonoursTopKTopPAndTheStopToken()
    {
        var model = new Gpt(Small, new Generator(9));
        int[] a = model.Generate([1], 20, new Generator(3)), b = model.Generate([1], 20, new Generator(3));
        Assert.Equal(a, b);
        Assert.NotEqual(a, model.Generate([1], 20, new Generator(4)));

        int[] greedy = model.Generate([1], 12, new Generator(5), new SamplingOptions(Temperature: 0f));
        Assert.Equal(greedy, model.Generate([1], 12, new Generator(6), new SamplingOptions(TopK: 1)));
        Assert.Equal(greedy, model.Generate([1], 12, new Generator(7), new SamplingOptions(TopP: 1e-6f)));

        // Generation stops at the stop token, which is neither returned nor streamed.
        int stop = greedy[4];
        var streamed = new List<int>();
        int[] stopped = model.Generate([1], 12, new Generator(5), new SamplingOptions(Temperature: 0f, StopToken: stop), streamed.Add);
        Assert.Equal(greedy.TakeWhile(t => t != stop), stopped);
        Assert.Equal(stopped, streamed);
    }

    [Fact]
    public void TopKAndTopPKeepOnlyTheMostLikelyTokens()
    {
        float[] logits = [0f, 3f, 1f, 2.9f, -1f];   // probabilities ≈ .024, .474, .064, .429, .009
        var seen = new HashSet<int>();
        var g = new Generator(10);
        for (int i = 0; i < 500; i++) seen.Add(TokenSampler.Pick(logits, new SamplingOptions(TopK: 2), g));
        Assert.Equal([1, 3], seen.Order());
        seen.Clear();
        for (int i = 0; i < 500; i++) seen.Add(TokenSampler.Pick(logits, new SamplingOptions(TopP: 0.9f), g));
        Assert.Equal([1, 3], seen.Order());      // .474 + .429 ≥ .9
        seen.Clear();
        for (int i = 0; i < 500; i++) seen.Add(TokenSampler.Pick(logits, new SamplingOptions(TopP: 0.95f), g));
        Assert.Equal([1, 2, 3], seen.Order());   // .903 < .95: the third most likely is needed
        seen.Clear();
        for (int i = 0; i < 2000; i++) seen.Add(TokenSampler.Pick(logits, new SamplingOptions(), g));
        Assert.Equal([0, 1, 2, 3, 4], seen.Order());
    }
}
