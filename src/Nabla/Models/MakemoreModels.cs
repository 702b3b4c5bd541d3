using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>The makemore models by name: what <c>nabla makemore --type NAME</c> builds.</summary>
/// <remarks>
/// The bigrams read one character of context whatever the configuration's block size (their
/// <see cref="CharModel.BlockSize"/> is 1: build their examples with it). "bigram" is an
/// <see cref="ICountingModel"/>: it is trained by one <see cref="ICountingModel.Fit"/> over the training examples,
/// not by an optimizer (it has no parameters).
/// </remarks>
public static class MakemoreModels
{
    private static readonly Dictionary<string, Func<MakemoreConfig, Generator, CharModel>> Factories = new()
    {
        ["bigram"] = (config, _) => new BigramCounts(config.VocabularySize),
        ["neural-bigram"] = (config, generator) => new NeuralBigram(config.VocabularySize, generator),
        ["mlp"] = (config, generator) => new Mlp(config, generator),
        ["bnmlp"] = (config, generator) => new BatchNormMlp(config, generator),
        ["wavenet"] = (config, generator) => new WaveNet(config, generator),
        ["rnn"] = (config, generator) => new Rnn(config, generator),
        ["gru"] = (config, generator) => new Gru(config, generator),
        ["bow"] = (config, generator) => new BagOfWords(config, generator),
        ["transformer"] = (config, generator) => new Transformer(config, generator),
    };

    public static IEnumerable<string> Names => Factories.Keys;

    public static CharModel Create(string type, MakemoreConfig config, Generator generator) =>
        Factories.TryGetValue(type, out var create) ? create(config, generator)
        : throw new ArgumentException($"unknown model type '{type}' (known: {string.Join(", ", Factories.Keys)})");
}
