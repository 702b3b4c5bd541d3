namespace Nabla.Text.Splitting;

/// <summary>
/// The GPT-4 (cl100k_base) pattern written out by hand:
/// <c>'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s</c>.
/// The quantifiers are possessive, so no alternative ever backtracks inside itself: each is a greedy scan.
/// </summary>
internal sealed class Cl100kSplitter : CoveringSplitter
{
    public override bool EndsChunkAfterLoneNewline => true;

    public static readonly Cl100kSplitter Instance = new();

    public override int ChunkEnd(ReadOnlySpan<char> text, int start)
    {
        int contraction = CharClasses.Contraction(text, start, ignoreCase: true);
        if (contraction > 0) return start + contraction;

        CharClass first = CharClasses.At(text, start, out int firstLength);

        // `[^\r\n\p{L}\p{N}]?+\p{L}++`: a word, with at most one symbol or space in front of it.
        if ((first & CharClass.Letter) != 0) return Gpt2Splitter.RunEnd(text, start + firstLength, CharClass.Letter);
        bool canLead = (first & (CharClass.Newline | CharClass.Number)) == 0;
        if (canLead && start + firstLength < text.Length &&
            (CharClasses.At(text, start + firstLength, out _) & CharClass.Letter) != 0)
            return Gpt2Splitter.RunEnd(text, start + firstLength, CharClass.Letter);

        // `\p{N}{1,3}+`: numbers in groups of at most three.
        if ((first & CharClass.Number) != 0)
        {
            int end = start + firstLength;
            for (int digits = 1; digits < 3 && end < text.Length; digits++)
            {
                if ((CharClasses.At(text, end, out int length) & CharClass.Number) == 0) break;
                end += length;
            }
            return end;
        }

        // ` ?[^\s\p{L}\p{N}]++[\r\n]*+`: punctuation (one leading space allowed), then any newlines.
        int symbolStart = start;
        if (text[start] == ' ' && start + 1 < text.Length) symbolStart = start + 1;
        CharClass symbolClass = symbolStart == start ? first : CharClasses.At(text, symbolStart, out _);
        if ((symbolClass & (CharClass.Space | CharClass.Letter | CharClass.Number)) == 0)
        {
            int end = Gpt2Splitter.OtherRunEnd(text, symbolStart);
            while (end < text.Length && text[end] is '\r' or '\n') end++;
            return end;
        }

        // Whitespace: `\s++$|\s*[\r\n]|\s+(?!\S)|\s`.
        int spaceEnd = Gpt2Splitter.RunEnd(text, start, CharClass.Space);
        if (spaceEnd == text.Length) return spaceEnd;
        for (int i = spaceEnd - 1; i >= start; i--)
            if (text[i] is '\r' or '\n') return i + 1;   // up to and including the last newline
        return spaceEnd - 1 > start ? spaceEnd - 1 : start + 1;
    }
}
