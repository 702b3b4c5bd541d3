namespace Nabla.Text;

/// <summary>
/// The split patterns of the OpenAI encodings, as tiktoken writes them. Why they exist: without a split,
/// BPE would learn tokens such as "dog." "dog!" "dog?" — the same word glued to every punctuation mark —
/// and would merge across word boundaries. The patterns cut text into letters, numbers, punctuation and
/// whitespace first, and merges happen only inside a chunk.
/// </summary>
public static class Patterns
{
    /// <summary>GPT-2 (r50k_base), as tiktoken writes it today: lowercase contractions, an optional
    /// leading space glued to a run of letters, numbers or punctuation, whitespace kept apart.</summary>
    public const string Gpt2 = @"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";

    /// <summary>The pattern as OpenAI's GPT-2 <c>encoder.py</c> wrote it; it splits every text exactly as <see cref="Gpt2"/>.</summary>
    public const string Gpt2Original = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>GPT-4 (cl100k_base): contractions in any case, numbers in groups of at most three digits,
    /// one non-letter allowed in front of a word, newlines grouped.</summary>
    public const string Cl100k = @"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";

    /// <summary>GPT-4o (o200k_base): words split at case changes (CamelCase → Camel, Case), contractions
    /// glued to their word, and letters of any script, marks included.</summary>
    public const string O200k =
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="pattern"/> when it is not a valid
    /// regular expression (a user pattern is compiled here once, so training can refuse it before reading any text).</summary>
    public static void Check(string? pattern) => Splitting.ChunkSplitter.ForPattern(pattern);

    /// <summary>A pattern by name: gpt2, gpt4 (= cl100k), cl100k, o200k (= gpt4o), none (no split);
    /// anything else is taken as a regular expression.</summary>
    public static string? Resolve(string name) => name.ToLowerInvariant() switch
    {
        "gpt2" or "r50k" => Gpt2,
        "gpt4" or "cl100k" => Cl100k,
        "gpt4o" or "o200k" => O200k,
        "none" or "" => null,
        _ => name,
    };
}
