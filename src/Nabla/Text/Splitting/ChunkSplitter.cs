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

/// <summary>A user pattern on .NET's Regex (\p{L} sees UTF-16 units there). Possessive quantifiers, which .NET
/// lacks, are rewritten as the atomic groups they mean: <c>X++</c> → <c>(?>X+)</c>, <c>X?+</c> → <c>(?>X?)</c>.</summary>
internal sealed class RegexSplitter(string pattern) : ChunkSplitter
{
    private readonly Regex _regex = Compile(pattern);

    private static Regex Compile(string pattern)
    {
        try
        {
            return new Regex(WithoutPossessives(pattern), RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"split pattern '{pattern}' is not a valid .NET regular expression: {e.Message}", nameof(pattern), e);
        }
    }

    /// <summary>Rewrites each possessive quantifier (<c>+ * ? {m,n}</c> followed by <c>+</c>) on the atom before it
    /// (a character, an escape, a class or a group) as an atomic group.</summary>
    internal static string WithoutPossessives(string pattern)
    {
        var output = new System.Text.StringBuilder(pattern.Length + 16);
        var groupStarts = new Stack<int>();
        int lastAtom = -1;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                int end = i + 2;
                if (pattern[i + 1] is 'p' or 'P' && end < pattern.Length && pattern[end] == '{') end = pattern.IndexOf('}', end) + 1;
                lastAtom = output.Length;
                output.Append(pattern, i, end - i);
                i = end - 1;
            }
            else if (c == '[')
            {
                int end = i + 1;
                if (end < pattern.Length && pattern[end] == '^') end++;
                if (end < pattern.Length && pattern[end] == ']') end++;
                while (end < pattern.Length && pattern[end] != ']') end += pattern[end] == '\\' ? 2 : 1;
                lastAtom = output.Length;
                output.Append(pattern, i, Math.Min(end + 1, pattern.Length) - i);
                i = end;
            }
            else if (c == '(') { groupStarts.Push(output.Length); output.Append(c); lastAtom = -1; }
            else if (c == ')') { output.Append(c); lastAtom = groupStarts.Count > 0 ? groupStarts.Pop() : -1; }
            else if (c is '+' or '*' or '?' or '{' && lastAtom >= 0)
            {
                int end = i + 1;
                if (c == '{') { int close = pattern.IndexOf('}', i); end = close < 0 ? i + 1 : close + 1; }
                string quantifier = pattern[i..end];
                if (end < pattern.Length && pattern[end] == '+')
                {
                    output.Insert(lastAtom, "(?>").Append(quantifier).Append(')');
                    i = end;
                }
                else
                {
                    output.Append(quantifier);
                    i = end - 1;
                }
                lastAtom = -1;
            }
            else
            {
                lastAtom = c is '|' or '^' or '$' ? -1 : output.Length;
                output.Append(c);
            }
        }
        return output.ToString();
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
