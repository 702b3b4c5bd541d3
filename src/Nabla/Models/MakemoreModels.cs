using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>The makemore models by name: what <c>nabla makemore --type NAME</c> builds.</summary>
public static class MakemoreModels
{
    private static readonly Dictionary<string, Func<MakemoreConfig, Generator, CharModel>> Factories = new()
    {
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
