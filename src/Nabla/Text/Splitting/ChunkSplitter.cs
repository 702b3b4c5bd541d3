using System.Text.RegularExpressions;

namespace Nabla.Text.Splitting;

/// <summary>
/// Cuts text into chunks before byte-pair encoding; merges never cross a chunk boundary, so " dog" and
/// "dog." never become one token. The GPT patterns have hand-written splitters that follow the regex
/// semantics of tiktoken exactly (possessive quantifiers, code points rather than UTF-16 units); any other
/// pattern runs on .NET's Regex, and text that no match covers is dropped, as <c>re.findall</c> drops it.
/// </summary>
internal abstract class ChunkSplitter
{
    /// <summary>The next chunk at or after <paramref name="from"/>; false when none is left.</summary>
    public abstract bool TryNextChunk(ReadOnlySpan<char> text, int from, out int start, out int end);

    public static ChunkSplitter ForPattern(string? pattern) => pattern switch
    {
        null or "" => WholeTextSplitter.Instance,
        Patterns.Gpt2 or Patterns.Gpt2Original => Gpt2Splitter.Instance,
        Patterns.Cl100k => Cl100kSplitter.Instance,
        Patterns.O200k => O200kSplitter.Instance,
        _ => new RegexSplitter(pattern),
    };
}

/// <summary>A splitter that decides, at each position, where the chunk starting there ends (every character is covered).</summary>
internal abstract class CoveringSplitter : ChunkSplitter
{
    /// <summary>End (exclusive) of the chunk that starts at <paramref name="start"/> (&lt; text.Length).</summary>
    public abstract int ChunkEnd(ReadOnlySpan<char> text, int start);

    public sealed override bool TryNextChunk(ReadOnlySpan<char> text, int from, out int start, out int end)
    {
        start = from;
        end = from < text.Length ? ChunkEnd(text, from) : from;
        return from < text.Length;
    }
}

/// <summary>No pattern: the whole text is one chunk (minbpe's BasicTokenizer).</summary>
internal sealed class WholeTextSplitter : CoveringSplitter
{
    public static readonly WholeTextSplitter Instance = new();
    public override int ChunkEnd(ReadOnlySpan<char> text, int start) => text.Length;
}

/// <summary>A user pattern on .NET's Regex (no possessive quantifiers; \p{L} sees UTF-16 units).</summary>
internal sealed class RegexSplitter(string pattern) : ChunkSplitter
{
    private readonly Regex _regex = Compile(pattern);

    private static Regex Compile(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"split pattern '{pattern}' is not a valid .NET regular expression: {e.Message}", nameof(pattern), e);
        }
    }

    public override bool TryNextChunk(ReadOnlySpan<char> text, int from, out int start, out int end)
    {
        foreach (ValueMatch match in _regex.EnumerateMatches(text, from))
        {
            if (match.Length == 0) continue; // an empty match is no chunk
            start = match.Index;
            end = match.Index + match.Length;
            return true;
        }
        start = end = text.Length;
        return false;
    }
}
