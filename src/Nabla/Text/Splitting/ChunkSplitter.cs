using System.Text.RegularExpressions;

namespace Nabla.Text.Splitting;

/// <summary>
/// Cuts text into chunks before byte-pair encoding; merges never cross a chunk boundary, so " dog" and
/// "dog." never become one token. The GPT patterns have hand-written splitters that follow the regex
/// semantics of tiktoken exactly (possessive quantifiers, code points rather than UTF-16 units); any other
/// pattern runs on .NET's Regex. Every splitter covers the whole text: where a user pattern matches nothing,
/// the text in between is a chunk of its own (<c>re.findall</c> would drop it, and a tokenizer must not lose text).
/// </summary>
internal abstract class ChunkSplitter
{
    /// <summary>The next chunk at or after <paramref name="from"/>; false when none is left.</summary>
    public abstract bool TryNextChunk(ReadOnlySpan<char> text, int from, out int start, out int end);

    public static CoveringSplitter ForPattern(string? pattern) => pattern switch
    {
        null or "" => WholeTextSplitter.Instance,
        Patterns.Gpt2 or Patterns.Gpt2Original => Gpt2Splitter.Instance,
        Patterns.Cl100k => Cl100kSplitter.Instance,
        Patterns.O200k => O200kSplitter.Instance,
        _ => new RegexSplitter(pattern),
    };

    /// <summary>True when the splitter always ends a chunk after a lone newline between two non-space characters
    /// ("x\ny"), so that a text cut there splits the same as whole (the three GPT patterns do).</summary>
    public virtual bool EndsChunkAfterLoneNewline => false;
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
