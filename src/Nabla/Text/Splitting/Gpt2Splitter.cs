namespace Nabla.Text.Splitting;

/// <summary>
/// The GPT-2 pattern <c>'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s</c>
/// written out by hand. At each position the alternatives are tried in order, as a regex would:
/// a lowercase contraction; an optional space and a run of letters, of numbers, or of anything else that
/// is not whitespace; and for whitespace, all of it at the end of the text, else all but its last
/// character (which then leads the next word), else that one character.
/// </summary>
internal sealed class Gpt2Splitter : CoveringSplitter
{
    public override bool EndsChunkAfterLoneNewline => true;

    public static readonly Gpt2Splitter Instance = new();

    public override int ChunkEnd(ReadOnlySpan<char> text, int start)
    {
        int contraction = CharClasses.Contraction(text, start, ignoreCase: false);
        if (contraction > 0) return start + contraction;

        CharClass first = CharClasses.At(text, start, out int firstLength);
        // ` ?X++`: a single ASCII space may lead a run of letters, numbers or other symbols.
        int runStart = start;
        CharClass runClass = first;
        if (text[start] == ' ' && start + 1 < text.Length)
        {
            CharClass next = CharClasses.At(text, start + 1, out _);
            if ((next & CharClass.Space) == 0) { runStart = start + 1; runClass = next; }
        }
        if ((runClass & CharClass.Space) == 0)
        {
            if ((runClass & CharClass.Letter) != 0) return RunEnd(text, runStart, CharClass.Letter);
            if ((runClass & CharClass.Number) != 0) return RunEnd(text, runStart, CharClass.Number);
            if ((runClass & CharClass.Space) == 0) return OtherRunEnd(text, runStart);
        }

        // Whitespace: `\s++$|\s+(?!\S)|\s`.
        int end = RunEnd(text, start, CharClass.Space);
        if (end == text.Length) return end;
        // Every whitespace character is one UTF-16 unit, so the last one starts at end - 1.
        return end - 1 > start ? end - 1 : start + firstLength;
    }

    /// <summary>End of the run of code points that all have <paramref name="cls"/>, starting at <paramref name="i"/>.</summary>
    internal static int RunEnd(ReadOnlySpan<char> text, int i, CharClass cls)
    {
        while (i < text.Length)
        {
            if ((CharClasses.At(text, i, out int length) & cls) == 0) break;
            i += length;
        }
        return i;
    }

    /// <summary>End of a run of code points that are neither whitespace, letters nor numbers.</summary>
    internal static int OtherRunEnd(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length)
        {
            if ((CharClasses.At(text, i, out int length) & (CharClass.Space | CharClass.Letter | CharClass.Number)) != 0) break;
            i += length;
        }
        return i;
    }
}
