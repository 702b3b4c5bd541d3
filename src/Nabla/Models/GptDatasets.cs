using Nabla.Data;

namespace Nabla.Models;

/// <summary>
/// Data folders known by name, as nanoGPT's <c>data/</c> directory: <c>shakespeare_char</c> is tinyshakespeare
/// in characters, <c>shakespeare</c> the same text in GPT-2 tokens. A config names one (its <c>dataset</c> key),
/// so <c>nabla gpt train --config shakespeare-char-cpu</c> needs no <c>--data</c>: the folder is prepared once
/// into the cache from the raw text, which <see cref="Datasets"/> finds or downloads.
/// </summary>
public static class GptDatasets
{
    /// <summary>Each name's raw text (a <see cref="Datasets"/> name) and tokenizer.</summary>
    public static IReadOnlyDictionary<string, (string Text, string Tokenizer)> Known { get; } = new Dictionary<string, (string, string)>
    {
        ["shakespeare_char"] = ("tinyshakespeare.txt", "char"),
        ["shakespeare"] = ("tinyshakespeare.txt", "gpt2"),
    };

    /// <summary>Where the prepared folder of <paramref name="name"/> lives: <c>CACHE/data/NAME</c>.</summary>
    public static string FolderOf(string name) => Path.Combine(Datasets.CacheDirectory, "data", CheckName(name));

    /// <summary>
    /// The prepared folder of <paramref name="name"/>, made from its raw text when it is not there yet (the raw text
    /// found or downloaded by <see cref="Datasets.Resolve(string, string?)"/>, which otherwise says where to put it).
    /// <paramref name="prepared"/> says what was written, or is null when the folder was already there. The folder is
    /// written beside its place and moved in whole, so an interrupted preparation leaves nothing that looks done.
    /// </summary>
    public static string Resolve(string name, out PreparedCounts? prepared)
    {
        string folder = FolderOf(name);
        prepared = null;
        if (File.Exists(Path.Combine(folder, GptData.MetaFile))) return folder;

        var (text, tokenizer) = Known[name];
        string input = Datasets.Resolve(text);
        string partial = $"{folder}.partial-{Environment.ProcessId}";
        try
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
            prepared = GptData.Prepare(input, tokenizer, partial);
            if (File.Exists(Path.Combine(folder, GptData.MetaFile))) return folder;      // another process finished first
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);   // a folder without meta.json is not a prepared one
            Directory.Move(partial, folder);
        }
        finally
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        }
        return folder;
    }

    private static string CheckName(string name) => Known.ContainsKey(name) ? name
        : throw new ArgumentException($"dataset '{name}' is not known (known: {string.Join(", ", Known.Keys)}); pass a data folder made by nabla gpt prepare instead");
}
