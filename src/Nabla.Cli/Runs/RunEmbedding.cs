using System.Globalization;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.IO;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>
/// A two-dimensional character embedding from a run's checkpoint, with a label per row, for makemore lecture 2's
/// picture. A run has one when its config.json says <c>"n_embd": 2</c> and its checkpoint holds a model tensor
/// <c>*.weight</c> of shape [V, 2] under an embedding: a name part that is <c>wte</c>, <c>C</c> (the lecture's name)
/// or contains <c>emb</c>; a position embedding (<c>wpe</c>) is not one.
/// </summary>
/// <remarks>
/// The labels, first found wins: the vocabulary passed in (<c>nabla plot --vocab</c>), config.json's
/// <c>"vocabulary"</c> (a string whose i-th character is token i), the characters of the dataset named by
/// config.json's <c>"input"</c> (the vocabulary <see cref="Words"/> builds from it: '.' then the characters in
/// code-point order), and last the token ids. A row past the vocabulary (makemore.py's extra blank token) is
/// labelled with its id.
/// </remarks>
public sealed record RunEmbedding(string TensorName, double[] X, double[] Y, IReadOnlyList<string> Labels)
{
    /// <summary>The run's embedding, or null when the run has none (or no checkpoint yet).</summary>
    public static RunEmbedding? TryRead(RunDirectory run, string? vocabulary = null)
    {
        JsonObject? config = run.ReadConfig();
        if (config?["n_embd"] is not JsonValue width || !width.TryGetValue(out int n) || n != 2) return null;
        string checkpoint = File.Exists(run.BestCheckpoint) ? run.BestCheckpoint : run.LatestCheckpoint;
        if (!File.Exists(checkpoint)) return null;

        string? name = Safetensors.ReadShapes(checkpoint)
            .Where(t => t.Shape is [_, 2] && IsCharacterEmbedding(t.Name))
            .Select(t => t.Name).FirstOrDefault();
        if (name is null) return null;
        float[] values = Safetensors.Load(checkpoint).Tensors[name].ToArray();
        int rows = values.Length / 2;
        string? characters = vocabulary ?? Vocabulary(config);
        var labels = Enumerable.Range(0, rows)
            .Select(i => characters is not null && i < characters.Length ? characters[i].ToString() : i.ToString(CultureInfo.InvariantCulture))
            .ToList();
        return new RunEmbedding(name,
            Enumerable.Range(0, rows).Select(i => (double)values[2 * i]).ToArray(),
            Enumerable.Range(0, rows).Select(i => (double)values[2 * i + 1]).ToArray(),
            labels);
    }

    internal static bool IsCharacterEmbedding(string name)
    {
        string[] parts = name.Split('.');
        if (parts is not ["model", .., "weight"]) return false;
        return parts[1..^1].Any(p => p is "wte" or "C" || (p.Contains("emb", StringComparison.OrdinalIgnoreCase) && p != "wpe"));
    }

    private static string? Vocabulary(JsonObject config)
    {
        if (config["vocabulary"] is JsonValue saved && saved.TryGetValue(out string? text)) return text;
        if (config["input"] is JsonValue input && input.TryGetValue(out string? path) && File.Exists(path)) return Words.Load(path).Characters;
        return null;
    }
}
