using Nabla.Tensors;
using System.Globalization;

namespace Nabla.Models;

/// <summary>
/// Starting a training run from pretrained GPT-2 weights (nanoGPT's <c>init_from = 'gpt2*'</c>): the network is
/// the checkpoint's, so its keys (n_layer, n_head, n_embd, bias, gelu) replace the config's; a key the user gave
/// explicitly that disagrees is an error, not silently overruled. block_size may be shorter than the checkpoint's
/// context (the position embedding is cropped), never longer. Dropout is the config's, as in nanoGPT.
/// </summary>
public static class GptPretrainedInit
{
    /// <summary>
    /// The config with the checkpoint's model keys, and the model with the checkpoint's weights.
    /// <paramref name="explicitKeys"/> are the keys the user set (in a config file or as options).
    /// </summary>
    /// <exception cref="ArgumentException">An explicit model key disagrees with the checkpoint.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is damaged, or its vocabulary is not the data's.</exception>
    public static (GptTrainConfig Config, Gpt Model) Load(GptTrainConfig config, IReadOnlyCollection<string> explicitKeys, int dataVocabSize, string? cacheDirectory = null)
    {
        string folder = PretrainedGpt2.ResolveFolder(config.InitFrom, cacheDirectory);
        string configPath = Path.Combine(folder, HuggingFaceGpt2.ConfigFile);
        GptConfig pretrained = HuggingFaceGpt2Config.Read(configPath);
        if (pretrained.VocabSize != dataVocabSize)
            throw new InvalidDataException($"{configPath}: vocab_size {pretrained.VocabSize} is not the data's vocabulary of {dataVocabSize} (prepare it with --tokenizer gpt2)");

        string gelu = pretrained.Gelu == GeluApproximation.Tanh ? "tanh" : "exact";
        var fromCheckpoint = new (string Key, string Given, string Checkpoint)[]
        {
            ("n_layer", Text(config.NLayer), Text(pretrained.NLayer)),
            ("n_head", Text(config.NHead), Text(pretrained.NHead)),
            ("n_embd", Text(config.NEmbd), Text(pretrained.NEmbd)),
            ("bias", config.Bias ? "true" : "false", "true"),
            ("gelu", config.Gelu, gelu),
        };
        foreach (var (key, given, checkpoint) in fromCheckpoint)
            if (explicitKeys.Contains(key) && given != checkpoint)
                throw new ArgumentException($"{key} {given} disagrees with init_from {config.InitFrom}, whose {key} is {checkpoint} (the model keys come from the checkpoint)");
        bool crop = explicitKeys.Contains("block_size");
        if (crop && config.BlockSize > pretrained.BlockSize)
            throw new ArgumentException($"block_size {config.BlockSize} is longer than the context of init_from {config.InitFrom} ({pretrained.BlockSize})");

        // The dropout's generator is seeded as a model trained from scratch is.
        Gpt model = HuggingFaceGpt2.Load(folder, config.Dropout, crop ? config.BlockSize : null, new Generator((ulong)config.Seed));
        GptTrainConfig adopted = config with
        {
            NLayer = pretrained.NLayer, NHead = pretrained.NHead, NEmbd = pretrained.NEmbd, Bias = true, Gelu = gelu,
            BlockSize = model.Config.BlockSize,
        };
        return (adopted, model);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
